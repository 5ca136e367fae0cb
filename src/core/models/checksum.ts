import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FaceGateError } from '../errors';
import type { ModelSpec } from './catalog-schema';

/** The sha256 (hex) of a file, streamed so large models never sit in memory whole. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface VerifiedEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Files already hashed in this process, by path; reused while their size and mtime are unchanged. */
const verified = new Map<string, VerifiedEntry>();

/** Forgets every cached hash (tests, or after files were replaced in place with the same mtime). */
export function clearChecksumCache(): void {
  verified.clear();
}

/**
 * The sha256 of a file, from the cache when its size and mtime have not changed since it was
 * last hashed in this process; force re-hashes it.
 */
export async function cachedSha256(file: string, options: { force?: boolean } = {}): Promise<string> {
  const info = await stat(file);
  const cached = verified.get(file);
  if (!options.force && cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) {
    return cached.sha256;
  }
  const sha256 = await sha256File(file);
  verified.set(file, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
  return sha256;
}

/**
 * Checks a model file against its catalog sha256: MODEL_CHECKSUM naming the file, the pack and
 * both hashes (and sizes when they differ) on a mismatch.
 */
export async function verifyModelFile(
  spec: ModelSpec,
  file: string,
  packId: string,
  options: { force?: boolean } = {},
): Promise<void> {
  const actual = await cachedSha256(file, options);
  if (actual === spec.sha256) return;
  const size = (await stat(file)).size;
  const sizes = size === spec.bytes ? '' : ` (${size} bytes instead of ${spec.bytes})`;
  const what = `its sha256 is ${actual}${sizes}, the catalog expects ${spec.sha256}`;
  throw new FaceGateError(
    'MODEL_CHECKSUM',
    `Model file ${file} (model '${spec.id}' of pack '${packId}') does not match the catalog: ${what}. ` +
      'The file is corrupt, truncated or a different model: delete it and download it again' +
      (spec.urls.length ? ` from ${spec.urls[0]}.` : '.'),
    { details: { file, model: spec.id, pack: packId, expected: spec.sha256, actual, bytes: size } },
  );
}
