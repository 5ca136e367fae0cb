import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvRecords } from '../../src/core/csv';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the checkout: real photos and models for development and CI. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const facesDir = path.join(sharedDir, 'faces');
export const spoofDir = path.join(facesDir, 'spoof');
/** Where tests find the shared models: FACEGATE_MODELS_PATH when set, else ../shared/models. */
export const sharedModelsDir =
  process.env.FACEGATE_MODELS_PATH?.split(':')[0] || path.join(sharedDir, 'models');
export const hasSharedModels = existsSync(sharedModelsDir);
export const hasSharedFaces = existsSync(path.join(facesDir, 'labels.csv'));

export interface LabelledPhoto {
  file: string;
  path: string;
  identity: string;
  notes: string;
}

/** The identity-labelled photos of ../shared/faces (labels.csv). */
export function labelledPhotos(): LabelledPhoto[] {
  const rows = csvRecords(readFileSync(path.join(facesDir, 'labels.csv'), 'utf8'));
  return rows.map((r) => ({
    file: r.file,
    path: path.join(facesDir, r.file),
    identity: r.identity,
    notes: r.notes,
  }));
}

/** Single-subject photos of known identities, without the mirrored near-duplicate. */
export function identityPhotos(): LabelledPhoto[] {
  return labelledPhotos().filter(
    (p) => p.identity !== 'unknown' && !p.notes.startsWith('multi_face') && !p.file.includes('_reflection'),
  );
}
