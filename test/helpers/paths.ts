import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Minimal RFC 4180 CSV reader for the label files (quoted fields may hold commas). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** The identity-labelled photos of ../shared/faces (labels.csv). */
export function labelledPhotos(): LabelledPhoto[] {
  const rows = parseCsv(readFileSync(path.join(facesDir, 'labels.csv'), 'utf8'));
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
