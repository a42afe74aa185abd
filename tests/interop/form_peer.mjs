// Form sealed-box peer written with WebCrypto only (as a browser respondent and owner would):
// P-256 ECDH -> HKDF-SHA-256 (empty salt, info "anon.li/form-submission/v1") -> AES-256-GCM.
//
//   node form_peer.mjs seal PUBLIC_KEY_B64U PLAINTEXT_FILE      -> {"ephemeralPubKey","iv","encryptedPayload"}
//   node form_peer.mjs open PKCS8_B64U SEALED_JSON_FILE         -> plaintext on stdout
//   node form_peer.mjs keypair                                  -> {"publicKey","pkcs8"} (WebCrypto export)
//   node form_peer.mjs respond SERVER FORM_ID ANSWERS_FILE [N]  -> submission id(s), one a line
//       a respondent as the web client does it (seed 001, protocol §9.4, §9.8, §10): GET the public
//       form (bare or enveloped), seal {"version":1,"answers":…,"attachments":null} to its
//       public_key, POST …/submit; ANSWERS_FILE holds the cleaned answers object
//   node form_peer.mjs owner-open SERVER API_KEY SID PKCS8_B64U -> plaintext on stdout
//       an owner: GET /api/v1/form/submission/:sid with the API key and open it
import fs from 'node:fs';

const subtle = globalThis.crypto.subtle;
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const unb64u = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
const INFO = new TextEncoder().encode('anon.li/form-submission/v1');

async function aesKeyFrom(privateKey, publicKey) {
  const bits = await subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256);
  const hkdfKey = await subtle.importKey('raw', bits, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: INFO },
    hkdfKey, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'seal') {
  const formPub = await subtle.importKey('raw', unb64u(args[0]), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const eph = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const key = await aesKeyFrom(eph.privateKey, formPub);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, fs.readFileSync(args[1]));
  const ephRaw = await subtle.exportKey('raw', eph.publicKey);
  process.stdout.write(JSON.stringify({ ephemeralPubKey: b64u(ephRaw), iv: b64u(iv), encryptedPayload: b64u(ct) }) + '\n');
} else if (cmd === 'open') {
  const priv = await subtle.importKey('pkcs8', unb64u(args[0]), { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const sealed = JSON.parse(fs.readFileSync(args[1], 'utf8'));
  const ephPub = await subtle.importKey('raw', unb64u(sealed.ephemeralPubKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const key = await aesKeyFrom(priv, ephPub);
  const pt = await subtle.decrypt({ name: 'AES-GCM', iv: unb64u(sealed.iv) }, key, unb64u(sealed.encryptedPayload));
  process.stdout.write(Buffer.from(pt));
} else if (cmd === 'keypair') {
  const kp = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const pub = await subtle.exportKey('raw', kp.publicKey);
  const pkcs8 = await subtle.exportKey('pkcs8', kp.privateKey);
  process.stdout.write(JSON.stringify({ publicKey: b64u(pub), pkcs8: b64u(pkcs8) }) + '\n');
} else if (cmd === 'respond') {
  const [server, formId, answersFile, count = '1'] = args;
  const res = await fetch(`${server}/api/v1/form/${formId}`);
  if (!res.ok) throw new Error(`GET form: ${res.status} ${await res.text()}`);
  const body = await res.json();
  const form = body.data ?? body;
  const publicKey = form.public_key ?? form.publicKey;
  const formPub = await subtle.importKey('raw', unb64u(publicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const answers = JSON.parse(fs.readFileSync(answersFile, 'utf8'));
  const plaintext = new TextEncoder().encode(JSON.stringify({ version: 1, answers, attachments: null }));
  for (let i = 0; i < Number(count); i++) {
    const eph = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    const key = await aesKeyFrom(eph.privateKey, formPub);
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext);
    const ephRaw = await subtle.exportKey('raw', eph.publicKey);
    const submit = await fetch(`${server}/api/v1/form/${formId}/submit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ephemeralPubKey: b64u(ephRaw), iv: b64u(iv), encryptedPayload: b64u(ct) }),
    });
    if (!submit.ok) throw new Error(`submit: ${submit.status} ${await submit.text()}`);
    process.stdout.write((await submit.json()).data.id + '\n');
  }
} else if (cmd === 'owner-open') {
  const [server, apiKey, sid, pkcs8] = args;
  const res = await fetch(`${server}/api/v1/form/submission/${sid}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET submission: ${res.status} ${await res.text()}`);
  const s = (await res.json()).data;
  const priv = await subtle.importKey('pkcs8', unb64u(pkcs8), { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const ephPub = await subtle.importKey('raw', unb64u(s.ephemeral_pub_key), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const key = await aesKeyFrom(priv, ephPub);
  const pt = await subtle.decrypt({ name: 'AES-GCM', iv: unb64u(s.iv) }, key, unb64u(s.encrypted_payload));
  process.stdout.write(Buffer.from(pt));
} else {
  console.error('usage: form_peer.mjs seal|open|keypair|respond|owner-open ...');
  process.exit(2);
}
