// The seed 000 "Download & Decrypt Workflow" reference code, run against anonfs-server.
// Changes from the seed: the base URL comes from ANONLI_BASE, the share URL from argv[2], and the
// decrypted file is saved to argv[3] ("Save to disk" in the seed).
import crypto from 'crypto';
import fs from 'fs';

const BASE = process.env.ANONLI_BASE;

// Helper: derive a unique IV for each chunk (or filename)
function deriveChunkIv(baseIv, chunkIndex) {
  const iv = Buffer.alloc(12);
  baseIv.copy(iv, 0, 0, 8); // First 8 bytes from base IV
  iv.writeUInt32BE(chunkIndex, 8); // Chunk index as big-endian u32
  return iv;
}

// 1. Parse the share URL
const shareUrl = process.argv[2];
const url = new URL(shareUrl);
const dropId = url.pathname.split('/d/')[1];
const keyBase64 = url.hash.slice(1); // Remove the '#'

// 2. Import the encryption key
const keyBuffer = Buffer.from(keyBase64, 'base64url');

// 3. Fetch drop metadata (no auth required)
const drop = await fetch(`${BASE}/api/v1/drop/${dropId}`)
  .then(r => r.json());

// 4. Get presigned download URLs (increments download counter)
const { downloadUrls } = await fetch(
  `${BASE}/api/v1/drop/${dropId}/download`,
  { method: 'POST' }
).then(r => r.json());

// 5. Decrypt title and message if present
const dropIv = Buffer.from(drop.iv, 'base64url');
if (drop.encryptedTitle) {
  const titleIv = deriveChunkIv(dropIv, 0xFFFFFFFF);
  const encTitle = Buffer.from(drop.encryptedTitle, 'base64url');
  const titleDec = crypto.createDecipheriv('aes-256-gcm', keyBuffer, titleIv);
  titleDec.setAuthTag(encTitle.slice(-16));
  const title = Buffer.concat([
    titleDec.update(encTitle.slice(0, -16)),
    titleDec.final()
  ]).toString('utf8');
  console.log('Title:', title);
}
if (drop.encryptedMessage) {
  const msgIv = deriveChunkIv(dropIv, 0xFFFFFFFF);
  const encMsg = Buffer.from(drop.encryptedMessage, 'base64url');
  const msgDec = crypto.createDecipheriv('aes-256-gcm', keyBuffer, msgIv);
  msgDec.setAuthTag(encMsg.slice(-16));
  const message = Buffer.concat([
    msgDec.update(encMsg.slice(0, -16)),
    msgDec.final()
  ]).toString('utf8');
  console.log('Message:', message);
}

// 6. Download and decrypt each file
for (const file of drop.files) {
  const fileIv = Buffer.from(file.iv, 'base64url');

  // Decrypt filename (reserved chunk index 0xFFFFFFFF)
  const filenameIv = deriveChunkIv(fileIv, 0xFFFFFFFF);
  const encryptedName = Buffer.from(file.encryptedName, 'base64url');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keyBuffer, filenameIv);
  decipher.setAuthTag(encryptedName.slice(-16));
  const filename = Buffer.concat([
    decipher.update(encryptedName.slice(0, -16)),
    decipher.final()
  ]).toString('utf8');

  // Fetch the encrypted file using the presigned URL
  const downloadUrl = downloadUrls[file.id];
  const encryptedData = await fetch(downloadUrl)
    .then(r => r.arrayBuffer())
    .then(ab => Buffer.from(ab));

  // Decrypt each chunk
  // Each encrypted chunk = ciphertext + 16-byte GCM auth tag
  const chunkSize = file.chunkSize || (50 * 1024 * 1024); // from API or 50 MB default
  const encryptedChunkSize = chunkSize + 16;
  const chunkCount = file.chunkCount || Math.ceil(encryptedData.length / encryptedChunkSize);

  const decryptedChunks = [];
  for (let i = 0; i < chunkCount; i++) {
    const start = i * encryptedChunkSize;
    const end = Math.min(start + encryptedChunkSize, encryptedData.length);
    const chunk = encryptedData.slice(start, end);

    const chunkIv = deriveChunkIv(fileIv, i);
    const dec = crypto.createDecipheriv('aes-256-gcm', keyBuffer, chunkIv);
    dec.setAuthTag(chunk.slice(-16));
    decryptedChunks.push(Buffer.concat([
      dec.update(chunk.slice(0, -16)),
      dec.final()
    ]));
  }

  const decryptedFile = Buffer.concat(decryptedChunks);
  // Save to disk, process, etc.
  fs.writeFileSync(process.argv[3], decryptedFile);
  console.log(`Decrypted: ${filename} (${decryptedFile.length} bytes)`);
}
