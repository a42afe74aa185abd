// Uploads one drop the way the seed 000 reference workflow does (Node `crypto`, fetch, presigned
// part PUTs, finish), generalised for the mount tests: several files with relative names
// (subfolders), a title, an optional download limit, and either nonce scheme: `x` (current web
// client: last 4 IV bytes XOR BE32 counter) or `l` (seed/CLI: first 8 IV bytes || BE32 counter).
//
//   ANONLI_BASE=... ANONLI_API_KEY=... node upload_drop.mjs SCHEME CHUNK_SIZE TITLE MAXDL NAME=PATH...
//     MAXDL: a number or '-' (unlimited); TITLE '-' for none.
//   prints {"drop_id": "...", "key": "<base64url>", "files": [{"id","name"}...]}
import crypto from 'node:crypto';
import fs from 'node:fs';

const BASE = process.env.ANONLI_BASE;
const API_KEY = process.env.ANONLI_API_KEY;
const [scheme, chunkSizeArg, title, maxDl, ...specs] = process.argv.slice(2);
const CHUNK_SIZE = Number(chunkSizeArg);

function deriveIv(baseIv, counter) {
  const iv = Buffer.alloc(12);
  if (scheme === 'x') {
    baseIv.copy(iv, 0, 0, 12);
    iv.writeUInt32BE((baseIv.readUInt32BE(8) ^ counter) >>> 0, 8);
  } else {
    baseIv.copy(iv, 0, 0, 8);
    iv.writeUInt32BE(counter, 8);
  }
  return iv;
}

function seal(key, iv, data) {
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

async function call(method, path, body) {
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'Authorization': `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

const key = crypto.randomBytes(32);
const dropIv = crypto.randomBytes(12);
const createBody = { iv: dropIv.toString('base64url'), fileCount: specs.length };
if (title !== '-') {
  createBody.encryptedTitle = seal(key, deriveIv(dropIv, 0xFFFFFFFF), Buffer.from(title, 'utf8'))
    .toString('base64url');
}
if (maxDl !== '-') createBody.maxDownloads = Number(maxDl);
const drop = (await call('POST', '/api/v1/drop', createBody)).data;

const files = [];
const manifest = [];
for (const spec of specs) {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  const data = fs.readFileSync(spec.slice(eq + 1));
  const fileIv = crypto.randomBytes(12);
  const chunkSize = data.length <= CHUNK_SIZE ? data.length : CHUNK_SIZE;
  const chunkCount = Math.ceil(data.length / chunkSize);
  const chunks = [];
  for (let i = 0; i < chunkCount; i++) {
    chunks.push(seal(key, deriveIv(fileIv, i), data.subarray(i * chunkSize, Math.min((i + 1) * chunkSize, data.length))));
  }
  const size = chunks.reduce((n, c) => n + c.length, 0);
  const encryptedName = seal(key, deriveIv(fileIv, 0xFFFFFFFF), Buffer.from(name, 'utf8')).toString('base64url');
  const file = await call('POST', `/api/v1/drop/${drop.drop_id}/file`, {
    size, encryptedName, iv: fileIv.toString('base64url'),
    mimeType: 'application/octet-stream', chunkCount, chunkSize,
  });
  const etags = [];
  for (let i = 0; i < chunkCount; i++) {
    const put = await fetch(file.uploadUrls[i + 1], { method: 'PUT', body: chunks[i] });
    if (!put.ok) throw new Error(`PUT part ${i + 1}: ${put.status}`);
    etags.push({ chunkIndex: i, etag: put.headers.get('ETag') });
  }
  manifest.push({ fileId: file.fileId, chunks: etags });
  files.push({ id: file.fileId, name });
}
await call('PATCH', `/api/v1/drop/${drop.drop_id}?action=finish`, { files: manifest });
console.log(JSON.stringify({ drop_id: drop.drop_id, key: key.toString('base64url'), files }));
