import { FaceGateError } from '../errors';

/** An embedding as stored: float32 little-endian, dim * 4 bytes. */
export function embeddingToBlob(embedding: Float32Array): Buffer {
  const blob = Buffer.alloc(embedding.length * 4);
  for (let i = 0; i < embedding.length; i++) blob.writeFloatLE(embedding[i], i * 4);
  return blob;
}

export function blobToEmbedding(blob: Uint8Array): Float32Array {
  if (blob.byteLength % 4 !== 0) {
    throw new FaceGateError(
      'DATABASE',
      `A stored embedding has ${blob.byteLength} bytes, not a multiple of 4.`,
    );
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out = new Float32Array(blob.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A unit-length copy (cosine similarity becomes a dot product). Refuses zero or non-finite vectors. */
export function normalised(embedding: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < embedding.length; i++) sum += embedding[i] * embedding[i];
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new FaceGateError('INVALID_INPUT', 'An embedding is all zeros or holds non-finite values.');
  }
  const out = new Float32Array(embedding.length);
  for (let i = 0; i < embedding.length; i++) out[i] = embedding[i] / norm;
  return out;
}
