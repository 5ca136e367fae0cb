import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError } from '../src/core/errors';
import { csvRows } from '../src/core/csv';

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
