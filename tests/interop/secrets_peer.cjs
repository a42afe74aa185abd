// Secret-service peers: EnigmaCrypt with the seed 002 sample code on crypto-js 4.2.0 or 4.1.1
// (same code; the PBKDF2 default hasher differs), password.link with sjcl 1.0.9.
//
//   node secrets_peer.cjs enigma-encrypt VERSION PASSWORD CONTENT    -> blob on stdout
//   node secrets_peer.cjs enigma-decrypt VERSION PASSWORD BLOB       -> {"version","content","created"}
//   node secrets_peer.cjs sjcl-encrypt PASSWORD PLAINTEXT            -> SJCL JSON (gcm, ks 256, iter 10000)
//   node secrets_peer.cjs sjcl-decrypt PASSWORD SJCL_JSON            -> plaintext
//   node secrets_peer.cjs passwordlink-seal PLAINTEXT                -> {"ciphertext","password_part_private","public"}
//   node secrets_peer.cjs passwordlink-open CIPHERTEXT PRIVATE_B64 PUBLIC_B64 -> plaintext
const path = require('node:path');
const [cmd, ...args] = process.argv.slice(2);

function cryptoJs(version) {
  return require(path.join(__dirname, 'node_modules', 'crypto-js-' + version));
}

// The seed 002 sample, unchanged but for the crypto-js module it is handed.
function encryptMessage(CryptoJS, message, key) {
  const salt = CryptoJS.lib.WordArray.random(128 / 8);
  const derivedKey = CryptoJS.PBKDF2(key, salt, { keySize: 256 / 32, iterations: 100000 });
  const iv = CryptoJS.lib.WordArray.random(128 / 8);
  const messageObj = { version: 'v1', content: message, created: new Date().toISOString() };
  const encrypted = CryptoJS.AES.encrypt(JSON.stringify(messageObj), derivedKey,
    { iv, padding: CryptoJS.pad.Pkcs7, mode: CryptoJS.mode.CBC });
  return salt.toString() + iv.toString() + encrypted.toString();
}

// The inverse, as a recipient page built on the same crypto-js would do it.
function decryptMessage(CryptoJS, blob, key) {
  const salt = CryptoJS.enc.Hex.parse(blob.slice(0, 32));
  const iv = CryptoJS.enc.Hex.parse(blob.slice(32, 64));
  const derivedKey = CryptoJS.PBKDF2(key, salt, { keySize: 256 / 32, iterations: 100000 });
  const decrypted = CryptoJS.AES.decrypt(blob.slice(64), derivedKey,
    { iv, padding: CryptoJS.pad.Pkcs7, mode: CryptoJS.mode.CBC });
  return JSON.parse(decrypted.toString(CryptoJS.enc.Utf8));
}

if (cmd === 'enigma-encrypt') {
  process.stdout.write(encryptMessage(cryptoJs(args[0]), args[2], args[1]));
} else if (cmd === 'enigma-decrypt') {
  process.stdout.write(JSON.stringify(decryptMessage(cryptoJs(args[0]), args[2], args[1])));
} else if (cmd === 'sjcl-encrypt') {
  const sjcl = require('sjcl');
  process.stdout.write(sjcl.encrypt(args[0], args[1], { mode: 'gcm', ks: 256, iter: 10000 }));
} else if (cmd === 'sjcl-decrypt') {
  const sjcl = require('sjcl');
  process.stdout.write(sjcl.decrypt(args[0], args[1]));
} else if (cmd === 'passwordlink-seal') {
  // As password.link's API example does: two 18-character halves, private first, SJCL gcm/256/10000,
  // base64 of the SJCL JSON and of each half.
  const sjcl = require('sjcl');
  const crypto = require('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$|/!_+,.-?()[]{}<>&#^*=@';
  const half = () => Array.from({ length: 18 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
  const priv = half();
  const pub = half();
  const json = sjcl.encrypt(priv + pub, args[0], { mode: 'gcm', ks: 256, iter: 10000 });
  process.stdout.write(JSON.stringify({
    ciphertext: Buffer.from(json).toString('base64'),
    password_part_private: Buffer.from(priv).toString('base64'),
    public: Buffer.from(pub).toString('base64'),
  }));
} else if (cmd === 'passwordlink-open') {
  const sjcl = require('sjcl');
  const json = Buffer.from(args[0], 'base64').toString('utf8');
  const password = Buffer.from(args[1], 'base64').toString('utf8') + Buffer.from(args[2], 'base64').toString('utf8');
  process.stdout.write(sjcl.decrypt(password, json));
} else {
  console.error('usage: secrets_peer.cjs enigma-encrypt|enigma-decrypt|sjcl-encrypt|sjcl-decrypt ...');
  process.exit(2);
}
