// The seed 000 "CLI Upload Workflow" reference code, run against anonfs-server.
// Changes from the seed: the base URL and API key come from the environment (ANONLI_BASE,
// ANONLI_API_KEY), the file and its name come from argv, and — the seed's sample being
// single-chunk — the file is split into 5 MiB plaintext chunks, each encrypted with its own
// chunk IV and PUT to uploadUrls[i+1], and finish lists every chunk's ETag.
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

const BASE = process.env.ANONLI_BASE;
const API_KEY = process.env.ANONLI_API_KEY;
const fileBuffer = fs.readFileSync(process.argv[2]);
const filename = path.basename(process.argv[2]);
const CHUNK_SIZE = 5 * 1024 * 1024; // adaptation: smallest legal multi-chunk size

// Helper: derive a unique IV for each chunk (or filename)
function deriveChunkIv(baseIv, chunkIndex) {
  const iv = Buffer.alloc(12);
  baseIv.copy(iv, 0, 0, 8); // First 8 bytes from base IV
  iv.writeUInt32BE(chunkIndex, 8); // Chunk index as big-endian u32
  return iv;
}

// 1. Generate encryption key, drop metadata IV, and per-file IV
const key = crypto.randomBytes(32); // 256-bit AES key
const dropIv = crypto.randomBytes(12); // 96-bit IV for title/message metadata
const fileIv = crypto.randomBytes(12); // 96-bit base IV for this file

// 2. Encrypt file data (adaptation: one GCM message per chunk, chunk index i)
const chunkCount = Math.ceil(fileBuffer.length / CHUNK_SIZE);
const encryptedChunks = [];
for (let i = 0; i < chunkCount; i++) {
  const chunkIv = deriveChunkIv(fileIv, i);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, chunkIv);
  const plain = fileBuffer.subarray(i * CHUNK_SIZE, Math.min((i + 1) * CHUNK_SIZE, fileBuffer.length));
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const authTag = cipher.getAuthTag();
  encryptedChunks.push(Buffer.concat([encrypted, authTag]));
}
const encryptedSize = encryptedChunks.reduce((n, c) => n + c.length, 0);

// 3. Encrypt filename (reserved chunk index 0xFFFFFFFF)
const filenameIv = deriveChunkIv(fileIv, 0xFFFFFFFF);
const nameCipher = crypto.createCipheriv('aes-256-gcm', key, filenameIv);
const encryptedName = Buffer.concat([
  nameCipher.update(filename, 'utf8'),
  nameCipher.final(),
  nameCipher.getAuthTag()
]).toString('base64url');

// 4. Create drop
const createResponse = await fetch(`${BASE}/api/v1/drop`, {
  method: 'POST',
  headers: {
    'Authorization': `Bearer ${API_KEY}`,
    'Content-Type': 'application/json'
  },
  body: JSON.stringify({
    iv: dropIv.toString('base64url'),
    fileCount: 1,
    expiry: 7,
    // ownerKey: {
    //   wrappedKey: vaultWrappedOwnerKey,
    //   vaultId,
    //   vaultGeneration
    // }
  })
}).then(r => r.json());
const drop = createResponse.data;

// 5. Add file and get presigned upload URLs
const file = await fetch(`${BASE}/api/v1/drop/${drop.drop_id}/file`, {
  method: 'POST',
  headers: {
    'Authorization': `Bearer ${API_KEY}`,
    'Content-Type': 'application/json'
  },
  body: JSON.stringify({
    size: encryptedSize,
    encryptedName,
    iv: fileIv.toString('base64url'),
    mimeType: 'application/octet-stream',
    chunkCount,
    chunkSize: CHUNK_SIZE
  })
}).then(r => r.json());

// 6. Upload encrypted data to presigned URLs (adaptation: one PUT per part)
const chunks = [];
for (let i = 0; i < chunkCount; i++) {
  const uploadResponse = await fetch(file.uploadUrls[i + 1], {
    method: 'PUT',
    body: encryptedChunks[i]
  });
  const etag = uploadResponse.headers.get('ETag');
  if (!etag) throw new Error('Storage did not return an ETag');
  chunks.push({ chunkIndex: i, etag });
}

// 7. Finish the upload by recording chunk ETags and marking the drop ready
const finishResponse = await fetch(`${BASE}/api/v1/drop/${drop.drop_id}?action=finish`, {
  method: 'PATCH',
  headers: {
    'Authorization': `Bearer ${API_KEY}`,
    'Content-Type': 'application/json'
  },
  body: JSON.stringify({
    files: [{
      fileId: file.fileId,
      chunks
    }]
  })
});
if (!finishResponse.ok) throw new Error(`finish failed: ${finishResponse.status}`);

// 8. Build share URL with key in fragment
const shareUrl = `${BASE}/d/${drop.drop_id}#${key.toString('base64url')}`;
console.log('Share URL:', shareUrl);
