// Drop crypto peer for the interop tests. The chunk, filename and title code follows the seed 000
// reference workflow (Node `crypto`, nonce = first 8 bytes of the base IV || BE32 counter); the
// `x` scheme is the current web client's (last 4 IV bytes XOR BE32 counter).
//
//   node drop_peer.mjs encrypt SCHEME PLAINTEXT_FILE CHUNK_SIZE NAME TITLE OUT_PREFIX
//       writes OUT_PREFIX.json (key, ivs, encrypted strings, geometry) and OUT_PREFIX.bin
//   node drop_peer.mjs decrypt JSON_FILE
//       prints {"name","title","message","sha256","size"} of what it decrypted (seed download loop)
import crypto from 'node:crypto';
import fs from 'node:fs';

function deriveChunkIv(baseIv, chunkIndex, scheme) {
  const iv = Buffer.alloc(12);
  if (scheme === 'x') {
    baseIv.copy(iv, 0, 0, 12);
    iv.writeUInt32BE((baseIv.readUInt32BE(8) ^ chunkIndex) >>> 0, 8);
  } else {
    baseIv.copy(iv, 0, 0, 8);
    iv.writeUInt32BE(chunkIndex, 8);
  }
  return iv;
}

function seal(key, iv, data) {
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

function open(key, iv, blob) {
  const dec = crypto.createDecipheriv('aes-256-gcm', key, iv);
  dec.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([dec.update(blob.subarray(0, blob.length - 16)), dec.final()]);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'encrypt') {
  const [scheme, ptFile, chunkSizeArg, name, title, outPrefix] = args;
  const plaintext = fs.readFileSync(ptFile);
  const chunkSize = Number(chunkSizeArg);
  const key = crypto.randomBytes(32);
  const dropIv = crypto.randomBytes(12);
  const fileIv = crypto.randomBytes(12);
  const chunkCount = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  const parts = [];
  for (let i = 0; i < chunkCount; i++) {
    const chunk = plaintext.subarray(i * chunkSize, Math.min((i + 1) * chunkSize, plaintext.length));
    parts.push(seal(key, deriveChunkIv(fileIv, i, scheme), chunk));
  }
  const ciphertext = Buffer.concat(parts);
  fs.writeFileSync(outPrefix + '.bin', ciphertext);
  const out = {
    key: key.toString('base64url'),
    iv: dropIv.toString('base64url'),
    fileIv: fileIv.toString('base64url'),
    encryptedName: seal(key, deriveChunkIv(fileIv, 0xFFFFFFFF, scheme), Buffer.from(name, 'utf8')).toString('base64url'),
    encryptedTitle: seal(key, deriveChunkIv(dropIv, 0xFFFFFFFF, scheme), Buffer.from(title, 'utf8')).toString('base64url'),
    encryptedMessage: seal(key, deriveChunkIv(dropIv, 0xFFFFFFFE, scheme), Buffer.from('message for ' + title, 'utf8')).toString('base64url'),
    chunkSize,
    chunkCount,
    size: ciphertext.length,
  };
  fs.writeFileSync(outPrefix + '.json', JSON.stringify(out));
} else if (cmd === 'decrypt') {
  // The seed's download loop, reading the ciphertext from a file instead of a presigned URL.
  const meta = JSON.parse(fs.readFileSync(args[0], 'utf8'));
  const keyBuffer = Buffer.from(meta.key, 'base64url');
  const dropIv = Buffer.from(meta.iv, 'base64url');
  const fileIv = Buffer.from(meta.fileIv, 'base64url');
  const title = open(keyBuffer, deriveChunkIv(dropIv, 0xFFFFFFFF), Buffer.from(meta.encryptedTitle, 'base64url')).toString('utf8');
  const message = meta.encryptedMessage
    ? open(keyBuffer, deriveChunkIv(dropIv, 0xFFFFFFFE), Buffer.from(meta.encryptedMessage, 'base64url')).toString('utf8')
    : null;
  const name = open(keyBuffer, deriveChunkIv(fileIv, 0xFFFFFFFF), Buffer.from(meta.encryptedName, 'base64url')).toString('utf8');
  const encryptedData = fs.readFileSync(meta.ciphertextFile);
  const chunkSize = meta.chunkSize || (50 * 1024 * 1024);
  const encryptedChunkSize = chunkSize + 16;
  const chunkCount = meta.chunkCount || Math.ceil(encryptedData.length / encryptedChunkSize);
  const hash = crypto.createHash('sha256');
  let size = 0;
  for (let i = 0; i < chunkCount; i++) {
    const start = i * encryptedChunkSize;
    const end = Math.min(start + encryptedChunkSize, encryptedData.length);
    const plain = open(keyBuffer, deriveChunkIv(fileIv, i), encryptedData.subarray(start, end));
    hash.update(plain);
    size += plain.length;
  }
  process.stdout.write(JSON.stringify({ name, title, message, sha256: hash.digest('hex'), size }) + '\n');
} else {
  console.error('usage: drop_peer.mjs encrypt|decrypt ...');
  process.exit(2);
}
