/**
 * Messages on the FaceGate WebSocket. A message without binary data is a JSON text frame; one
 * with binary data (a camera frame, a photo, a thumbnail) is a binary frame: a little-endian
 * uint32 header length, the JSON header (each Uint8Array replaced by {"$bin": index}), then each
 * blob as a uint32 length and its bytes. Browser-safe: no Node APIs, used by both sides.
 */
import type { ErrorInfo } from '../shared/errors';

export type ClientMessage = { t: 'call'; id: number; name: string; input: unknown };
export type ServerMessage =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: ErrorInfo }
  | { t: 'event'; name: string; payload: unknown };

const placeholderKey = '$bin';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isBytes(value: unknown): value is Uint8Array | Uint8ClampedArray {
  return value instanceof Uint8Array || value instanceof Uint8ClampedArray;
}

/** Encode a message: a string when it holds no bytes, else one binary buffer. */
export function encodeMessage(message: ClientMessage | ServerMessage): string | Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (isBytes(value)) {
      blobs.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return { [placeholderKey]: blobs.length - 1 };
    }
    return value;
  });
  if (blobs.length === 0) return json;
  const header = encoder.encode(json);
  const total = 4 + header.byteLength + blobs.reduce((sum, b) => sum + 4 + b.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.byteLength, true);
  out.set(header, 4);
  let offset = 4 + header.byteLength;
  for (const blob of blobs) {
    view.setUint32(offset, blob.byteLength, true);
    out.set(blob, offset + 4);
    offset += 4 + blob.byteLength;
  }
  return out;
}

export class CodecError extends Error {}

/** Decode what encodeMessage produced; blobs come back as views into `data` (no copy). */
export function decodeMessage(data: string | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 4) throw new CodecError('binary message shorter than its header length');
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > data.byteLength) throw new CodecError('binary message header runs past its end');
  const header = decoder.decode(data.subarray(4, 4 + headerLength));
  const blobs: Uint8Array[] = [];
  let offset = 4 + headerLength;
  while (offset < data.byteLength) {
    if (offset + 4 > data.byteLength) throw new CodecError('truncated blob length');
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > data.byteLength) throw new CodecError('blob runs past the end of the message');
    blobs.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return JSON.parse(header, (_key, value: unknown) => {
    if (isPlaceholder(value)) {
      const blob = blobs[value[placeholderKey]];
      if (!blob) throw new CodecError(`binary message refers to a missing blob ${value[placeholderKey]}`);
      return blob;
    }
    return value;
  });
}

function isPlaceholder(value: unknown): value is { [placeholderKey]: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === placeholderKey &&
    Number.isInteger((value as Record<string, unknown>)[placeholderKey])
  );
}

/** The WebSocket path on the host. */
export const socketPath = '/facegate';
