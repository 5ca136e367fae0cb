import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { facesDir, identityPhotos } from './paths';

export interface PairsCsvOptions {
  /** Assign pairs to this many folds (LFW style, round robin); 0 or 1: no fold column. */
  folds?: number;
  /** Extra rows appended as written: [a, b, same] with paths relative to the root. */
  extraRows?: [string, string, 0 | 1][];
}

const quote = (field: string) => (/[",\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/**
 * An LFW-style pairs CSV (a,b,same[,fold]) over the single-person photos of ../shared/faces:
 * every same-identity pair and every different-identity pair, paths relative to facesDir.
 * Returns the file path and the counts.
 */
export function writeSharedFacesPairsCsv(
  file: string,
  options: PairsCsvOptions = {},
): { file: string; root: string; genuine: number; impostor: number } {
  const photos = identityPhotos();
  const folds = options.folds ?? 0;
  const rows: string[] = [folds > 1 ? 'a,b,same,fold' : 'a,b,same'];
  let genuine = 0;
  let impostor = 0;
  let index = 0;
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const same = photos[i].identity === photos[j].identity;
      if (same) genuine++;
      else impostor++;
      const cells = [quote(photos[i].file), quote(photos[j].file), same ? '1' : '0'];
      if (folds > 1) cells.push(String((index % folds) + 1));
      rows.push(cells.join(','));
      index++;
    }
  }
  for (const [a, b, same] of options.extraRows ?? []) {
    const cells = [quote(a), quote(b), String(same)];
    if (folds > 1) cells.push(String((index++ % folds) + 1));
    rows.push(cells.join(','));
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { file, root: facesDir, genuine, impostor };
}

/** Relative path from the faces folder to a file elsewhere (for extra rows). */
export function relativeToFaces(file: string): string {
  return path.relative(facesDir, file);
}

/**
 * A real photo with no face: the plain wall at the top-left of group/selfie-many-people.jpg
 * (the nearest face starts 239 px down), written as a JPEG.
 */
export async function writeNoFacePhoto(file: string): Promise<string> {
  const { cropImage, decodeImage, encodeJpeg } = await import('../../src/core/image');
  const selfie = await decodeImage(path.join(facesDir, 'group', 'selfie-many-people.jpg'));
  writeFileSync(file, await encodeJpeg(cropImage(selfie, 0, 0, 200, 220), 92));
  return file;
}
