import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError } from '../src/core/errors';
import { csvRows } from '../src/core/csv';
import { cropImage, resizeBilinear } from '../src/core/image';
import type { RgbImage } from '../src/core/image/types';

/**
 * A 640x480 camera-like RGB frame from a photo: scaled to cover the frame (centre crop), or to fit
 * inside it on grey (`contain`: the whole portrait, its face clear of the frame's edges).
 */
export function cameraFrame(photo: RgbImage, fit: 'cover' | 'contain'): RgbImage {
  const scale = (fit === 'cover' ? Math.max : Math.min)(640 / photo.width, 480 / photo.height);
  const resized = resizeBilinear(photo, Math.round(photo.width * scale), Math.round(photo.height * scale));
  const [x, y] = [Math.floor((resized.width - 640) / 2), Math.floor((resized.height - 480) / 2)];
  if (fit === 'cover') return cropImage(resized, x, y, 640, 480);
  const data = new Uint8Array(640 * 480 * 3).fill(128);
  for (let row = 0; row < resized.height; row++)
    data.set(
      resized.data.subarray(row * resized.width * 3, (row + 1) * resized.width * 3),
      ((row - y) * 640 - x) * 3,
    );
  return { width: 640, height: 480, data };
}

/** ../shared/faces (the developer photo set), or FACEGATE_FACES_DIR. */
export function sharedFacesDir(required = 'labels.csv'): string {
  const dir = process.env.FACEGATE_FACES_DIR ?? path.resolve(process.cwd(), '..', 'shared', 'faces');
  if (!existsSync(path.join(dir, required))) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `This benchmark needs the shared photos: ${path.join(dir, required)} is missing. ` +
        'Run it from the repository root next to ../shared, or set FACEGATE_FACES_DIR.',
    );
  }
  return dir;
}

export interface IdentityPhoto {
  file: string;
  path: string;
  identity: string;
}

/**
 * Single-person photos of known identities from labels.csv: without 'unknown', the group photos
 * (multi_face) and the mirrored near-duplicate (img11_reflection).
 */
export function identityPhotos(dir = sharedFacesDir()): IdentityPhoto[] {
  const [header, ...rows] = csvRows(readFileSync(path.join(dir, 'labels.csv'), 'utf8'));
  const column = (name: string) => header.fields.indexOf(name);
  const [file, identity, notes] = [column('file'), column('identity'), column('notes')];
  return rows
    .map(({ fields }) => ({ file: fields[file], identity: fields[identity], notes: fields[notes] ?? '' }))
    .filter(
      (p) => p.identity !== 'unknown' && !p.notes.startsWith('multi_face') && !p.file.includes('_reflection'),
    )
    .map((p) => ({ file: p.file, path: path.join(dir, p.file), identity: p.identity }));
}
