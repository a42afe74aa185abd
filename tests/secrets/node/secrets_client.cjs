// Independent clients of the secret services through a server, in Node 20 (global fetch):
// EnigmaCrypt with the seed 002 sample on crypto-js 4.2.0 / 4.1.1, password.link with sjcl as the
// vendor's API example does (secrets-protocols.md §2). Modules come from tests/interop/node_modules.
//
//   enigma-create VERSION BASE TOKEN PASSWORD CONTENT MAXACCESS  -> share URL on stdout
//   enigma-post-raw BASE TOKEN BLOB                              -> share URL (blob as given)
//   enigma-view VERSION URL PASSWORD                             -> content on stdout
//   pl-create BASE PRIVATE_KEY CONTENT MAXVIEWS                  -> share URL <BASE>/<id>/#<pub>
//   pl-create-raw BASE PRIVATE_KEY CIPHERTEXT PRIVATE_B64 PUB_B64 -> share URL
//   pl-view URL PUBLIC_KEY                                       -> content on stdout
const path = require('node:path');
const crypto = require('node:crypto');

const modules = process.env.ANONFS_INTEROP_DIR
  ? path.join(process.env.ANONFS_INTEROP_DIR, 'node_modules')
  : path.join(__dirname, '..', '..', 'interop', 'node_modules');
const cryptoJs = (version) => require(path.join(modules, 'crypto-js-' + version));
const sjcl = () => require(path.join(modules, 'sjcl'));

// The seed 002 sample.
function encryptMessage(CryptoJS, message, key) {
  const salt = CryptoJS.lib.WordArray.random(128 / 8);
  const derivedKey = CryptoJS.PBKDF2(key, salt, { keySize: 256 / 32, iterations: 100000 });
  const iv = CryptoJS.lib.WordArray.random(128 / 8);
  const messageObj = { version: 'v1', content: message, created: new Date().toISOString() };
  const encrypted = CryptoJS.AES.encrypt(JSON.stringify(messageObj), derivedKey,
    { iv, padding: CryptoJS.pad.Pkcs7, mode: CryptoJS.mode.CBC });
  return salt.toString() + iv.toString() + encrypted.toString();
}

function decryptMessage(CryptoJS, blob, key) {
  const salt = CryptoJS.enc.Hex.parse(blob.slice(0, 32));
  const iv = CryptoJS.enc.Hex.parse(blob.slice(32, 64));
  const derivedKey = CryptoJS.PBKDF2(key, salt, { keySize: 256 / 32, iterations: 100000 });
  const decrypted = CryptoJS.AES.decrypt(blob.slice(64), derivedKey,
    { iv, padding: CryptoJS.pad.Pkcs7, mode: CryptoJS.mode.CBC });
  return JSON.parse(decrypted.toString(CryptoJS.enc.Utf8));
}

async function call(method, url, headers, body) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function enigmaPost(base, token, blob, maxAccess) {
  const data = await call('POST', base + '/api/messages', { Authorization: `Bearer ${token}` },
    { encryptedContent: blob, name: 'API Secret', expiresAt: null, maxAccess });
  if (!data.success) throw new Error(data.error);
  return `${base}/s/${data.data.messageId}`;
}


async function main() {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === 'enigma-create') {
    const [version, base, token, password, content, maxAccess] = a;
    const blob = encryptMessage(cryptoJs(version), content, password);
    process.stdout.write(await enigmaPost(base, token, blob, Number(maxAccess)));
  } else if (cmd === 'enigma-post-raw') {
    const [base, token, blob] = a;
    process.stdout.write(await enigmaPost(base, token, blob, 1));
  } else if (cmd === 'enigma-view') {
    const [version, url, password] = a;
    const m = /^(.*)\/s\/([A-Za-z0-9_-]+)$/.exec(url);
    const data = await call('GET', `${m[1]}/api/messages/${m[2]}`, {});
    process.stdout.write(decryptMessage(cryptoJs(version), data.data.encryptedContent, password).content);
  } else if (cmd === 'pl-create') {
    const [base, key, content, maxViews] = a;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$|/!_+,.-?()[]{}<>&#^*=@';
    const half = () => Array.from({ length: 18 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
    const priv = half();
    const pub = half();
    const json = sjcl().encrypt(priv + pub, content, { mode: 'gcm', ks: 256, iter: 10000 });
    const body = {
      ciphertext: Buffer.from(json).toString('base64'),
      password_part_private: Buffer.from(priv).toString('base64'),
      max_views: Number(maxViews),
    };
    const data = await call('POST', base + '/api/secrets', { Authorization: `ApiKey ${key}` }, body);
    process.stdout.write(`${base}/${data.data.id}/#${Buffer.from(pub).toString('base64')}`);
  } else if (cmd === 'pl-create-raw') {
    const [base, key, ciphertext, privB64, pubB64] = a;
    const data = await call('POST', base + '/api/secrets', { Authorization: `ApiKey ${key}` },
      { ciphertext, password_part_private: privB64 });
    process.stdout.write(`${base}/${data.data.id}/#${pubB64}`);
  } else if (cmd === 'pl-view') {
    const [url, key] = a;
    const m = /^(.*)\/([A-Za-z0-9_-]+)\/?#(.*)$/.exec(url);
    const data = await call('GET', `${m[1]}/api/secrets/${m[2]}`, { Authorization: `ApiKey ${key}` });
    const json = Buffer.from(data.data.ciphertext, 'base64').toString('utf8');
    const password = Buffer.from(data.data.password_part_private, 'base64').toString('utf8') +
      Buffer.from(m[3], 'base64').toString('utf8');
    process.stdout.write(sjcl().decrypt(password, json));
  } else {
    throw new Error('unknown command ' + cmd);
  }
}

main().catch((e) => {
  // On stdout: the tests capture stdout only.
  process.stdout.write(String(e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
