// Form sealed-box peer written with WebCrypto only (as a browser respondent and owner would):
// P-256 ECDH -> HKDF-SHA-256 (empty salt, info "anon.li/form-submission/v1") -> AES-256-GCM.
//
//   node form_peer.mjs seal PUBLIC_KEY_B64U PLAINTEXT_FILE      -> {"ephemeralPubKey","iv","encryptedPayload"}
//   node form_peer.mjs open PKCS8_B64U SEALED_JSON_FILE         -> plaintext on stdout
//   node form_peer.mjs keypair                                  -> {"publicKey","pkcs8"} (WebCrypto export)
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
} else {
  console.error('usage: form_peer.mjs seal|open|keypair ...');
  process.exit(2);
}
