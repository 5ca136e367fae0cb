import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Person } from '../../shared/people';
import { FaceGateError, isFaceGateError } from '../errors';
import { decodeImage } from '../image/decode';
import { enrolFace, samePersonFloor, type FacesInImage } from './enrolment';
import { recognizerOf, type FaceEngine } from './face-engine';
import type { Gallery } from './gallery';
import { DeskWrites, type GalleryWrites } from './gallery-writes';
import type { QualityGates } from './quality';

const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif', '.avif']);

export interface ImportItem {
  /** Absolute path. */
  file: string;
  /** Path relative to the imported folder (what the report shows). */
  relPath: string;
  /** The person's name, from the sub-folder or the file name. */
  name: string;
}

/**
 * The classic "photo folder" layouts: DIR/<Name>/*.jpg (one sub-folder per person) and
 * DIR/<Name>.jpg, DIR/<Name>_2.jpg (one file per photo). Underscores become spaces
 * (George_W_Bush -> George W Bush); a trailing _N or (N) on a file name is a photo number.
 */
export function scanImportFolder(dir: string): ImportItem[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new FaceGateError(
      'IMAGE_UNREADABLE',
      `The folder ${dir} cannot be read: ${(error as Error).message}.`,
    );
  }
  const items: ImportItem[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (isDirectory(full, entry.isDirectory())) {
      const name = nameFrom(entry.name);
      for (const inner of readdirSync(full).sort()) {
        const file = path.join(full, inner);
        if (!inner.startsWith('.') && isImage(inner) && !isDirectory(file, false)) {
          items.push({ file, relPath: path.join(entry.name, inner), name });
        }
      }
    } else if (isImage(entry.name)) {
      const stem = path.basename(entry.name, path.extname(entry.name));
      items.push({
        file: full,
        relPath: entry.name,
        name: nameFrom(stem.replace(/(?:[_ -]\d+|\s*\(\d+\))$/, '')),
      });
    }
  }
  return items.sort((a, b) => a.name.localeCompare(b.name) || a.relPath.localeCompare(b.relPath));
}

function isImage(fileName: string): boolean {
  return imageExtensions.has(path.extname(fileName).toLowerCase());
}

function isDirectory(file: string, direct: boolean): boolean {
  if (direct) return true;
  try {
    return statSync(file).isDirectory(); // follows symbolic links
  } catch {
    return false;
  }
}

function nameFrom(text: string): string {
  return text.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

/** How the import reads names from a folder, shown before anything is written. */
export interface ImportPlan {
  folder: string;
  /** 'folders': DIR/<Name>/*.jpg; 'files': DIR/<Name>.jpg, DIR/<Name>_2.jpg; 'mixed': both. */
  convention: 'folders' | 'files' | 'mixed' | 'empty';
  people: { name: string; files: string[] }[];
  /** Names that several numbered files were folded into (Person_0001.jpg, Person_0002.jpg -> Person). */
  numberedNames: string[];
  /** The plan in plain words, one line per point. */
  summary: string[];
}

/** The names an import would create or extend, and from which files; reads no image. */
export function planImport(folder: string): ImportPlan {
  const items = scanImportFolder(folder);
  const people = new Map<string, string[]>();
  for (const item of items) people.set(item.name, [...(people.get(item.name) ?? []), item.relPath]);
  const fromFolders = items.filter((i) => i.relPath.includes(path.sep)).length;
  const fromFiles = items.length - fromFolders;
  const convention = !items.length
    ? 'empty'
    : fromFolders && fromFiles
      ? 'mixed'
      : fromFolders
        ? 'folders'
        : 'files';
  const numberedNames = [...people.entries()]
    .filter(([, files]) => files.filter((f) => !f.includes(path.sep)).length > 1)
    .map(([name]) => name);
  const summary = [
    convention === 'empty'
      ? `No photos in ${folder}.`
      : convention === 'folders'
        ? 'Names come from the sub-folders: DIR/<Name>/<any file>.jpg, one folder per person.'
        : convention === 'files'
          ? 'Names come from the file names: DIR/<Name>.jpg, and <Name>_2.jpg, <Name> (2).jpg for more photos of the same person; underscores become spaces.'
          : 'Names come from the sub-folders (DIR/<Name>/*.jpg) and from the file names of the photos directly in DIR (<Name>.jpg, <Name>_2.jpg).',
    `${people.size} ${people.size === 1 ? 'person' : 'people'} from ${items.length} ${items.length === 1 ? 'photo' : 'photos'}.`,
    ...numberedNames.map(
      (name) =>
        `${name}: ${people.get(name)!.length} files (${people.get(name)!.slice(0, 3).join(', ')}${people.get(name)!.length > 3 ? ', …' : ''}) are read as photos of ONE person; ` +
        'if they show different people, give each its own name or folder. The import stops a name whose photos do not match each other.',
    ),
  ];
  return {
    folder: path.resolve(folder),
    convention,
    people: [...people.entries()].map(([name, files]) => ({ name, files })),
    numberedNames,
    summary,
  };
}

export type ImportOutcome = 'added' | 'already_imported' | 'refused';

export interface ImportProgress {
  index: number;
  total: number;
  item: ImportItem;
  outcome: ImportOutcome;
  message: string;
}

export interface ImportOptions {
  engine: FaceEngine;
  duplicateThreshold: number;
  gates?: Partial<QualityGates>;
  /** Enrol faces that match another person too. */
  force?: boolean;
  /** Refuse every face that misses a quality gate (the old behaviour) instead of enrolling it with a note. */
  strict?: boolean;
  /** Group for people created by this import. */
  group?: string | null;
  actor: string;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Where the faces and the photos' hashes go: the desk's file (default) or, at a site kiosk, the
   * site (so a re-run at any kiosk imports nothing twice).
   */
  writes?: GalleryWrites;
}

export interface ImportReport {
  folder: string;
  images: number;
  added: number;
  alreadyImported: number;
  peopleCreated: number;
  /** Photos enrolled with a quality note (usable, not ideal). */
  noted: { file: string; notes: string[] }[];
  refused: { file: string; reason: string; message: string }[];
}

/**
 * Imports a photo folder. Idempotent: every imported file's content hash is remembered (with the
 * person it went to), so running it again adds nothing twice, even after files were renamed.
 * People are matched by name (case-insensitive); new names create people.
 */
export async function importFolder(
  gallery: Gallery,
  folder: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const items = scanImportFolder(folder);
  const model = recognizerOf(options.engine);
  gallery.useModel(model);
  const report: ImportReport = {
    folder: path.resolve(folder),
    images: items.length,
    added: 0,
    alreadyImported: 0,
    peopleCreated: 0,
    noted: [],
    refused: [],
  };
  const writes = options.writes ?? new DeskWrites(gallery);
  const groups = new Map<string, { item: ImportItem; index: number }[]>();
  items.forEach((item, index) => groups.set(item.name, [...(groups.get(item.name) ?? []), { item, index }]));

  for (const [name, members] of groups) {
    // Read and analyse every photo of the name first: they must show one person before any is enrolled.
    const ready: { item: ImportItem; index: number; sha256: string; faces: FacesInImage }[] = [];
    for (const { item, index } of members) {
      const progress = (outcome: ImportOutcome, message: string) =>
        options.onProgress?.({ index: index + 1, total: items.length, item, outcome, message });
      const refuse = (reason: string, message: string) => {
        report.refused.push({ file: item.relPath, reason, message });
        progress('refused', message);
      };
      let bytes: Buffer;
      try {
        bytes = readFileSync(item.file);
      } catch (error) {
        refuse('unreadable', `cannot be read: ${(error as Error).message}`);
        continue;
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if ((await writes.photoRecord(sha256)) || ready.some((r) => r.sha256 === sha256)) {
        report.alreadyImported++;
        progress('already_imported', 'imported before (the same photo content)');
        continue;
      }
      try {
        const image = await decodeImage(bytes, item.relPath);
        ready.push({
          item,
          index,
          sha256,
          faces: { ...(await options.engine.analyze(image, { embed: 'main' })) },
        });
      } catch (error) {
        if (!isFaceGateError(error)) throw error;
        refuse('unreadable', error.message);
      }
    }
    if (!ready.length) continue;
    const namesakes = gallery.people.findByName(name);
    const disagreement = namesakes.length > 1 ? null : photosDisagree(ready, samePersonFloor);
    for (const { item, index, sha256, faces } of ready) {
      const progress = (outcome: ImportOutcome, message: string) =>
        options.onProgress?.({ index: index + 1, total: items.length, item, outcome, message });
      const refuse = (reason: string, message: string) => {
        report.refused.push({ file: item.relPath, reason, message });
        progress('refused', message);
      };
      if (namesakes.length > 1) {
        refuse(
          'ambiguous_name',
          `${namesakes.length} people are named ${name}; enrol this photo by id instead`,
        );
        continue;
      }
      if (disagreement) {
        refuse(
          'names_disagree',
          `Nothing enrolled for ${name}: its ${ready.length} photos do not show one person ` +
            `(${disagreement.a} and ${disagreement.b}: similarity ${disagreement.score.toFixed(2)}). ` +
            'Give each person their own file name or folder (DIR/<Name>/...), then import again.',
        );
        continue;
      }
      const existing: Person | undefined = gallery.people.findByName(name)[0];
      const result = await enrolFace(gallery, faces, {
        ...(existing ? { personId: existing.id } : { newPerson: { name, group: options.group ?? null } }),
        source: 'import',
        sourceRef: item.relPath,
        model,
        duplicateThreshold: options.duplicateThreshold,
        force: options.force,
        strict: options.strict,
        contentSha256: sha256,
        gates: options.gates,
        actor: options.actor,
        writes,
      });
      if (!result.accepted || !result.template || !result.person) {
        refuse(result.quality.issues[0]?.code ?? 'refused', result.message);
        continue;
      }
      if (!existing) report.peopleCreated++;
      report.added++;
      const notes = result.quality.notes ?? [];
      if (notes.length) report.noted.push({ file: item.relPath, notes: notes.map((n) => n.message) });
      progress('added', `${result.person.name}: ${result.message}`);
    }
  }
  gallery.audit.record({
    action: 'gallery.import',
    actor: options.actor,
    target: `folder:${report.folder}`,
    details: {
      images: report.images,
      added: report.added,
      alreadyImported: report.alreadyImported,
      refused: report.refused.length,
      peopleCreated: report.peopleCreated,
    },
  });
  return report;
}

/**
 * Whether the photos of one name show more than one person: some photo whose face is unlike every
 * other photo of the name (best similarity below the floor). Photos without a face are left to the
 * gates. Returns the worst pair, or null when they agree (or there is one photo).
 */
export function photosDisagree(
  photos: readonly { item: ImportItem; faces: FacesInImage }[],
  floor: number,
): { a: string; b: string; score: number } | null {
  const withFace = photos
    .map((p) => ({ file: p.item.relPath, embedding: p.faces.faces[0]?.embedding }))
    .filter((p): p is { file: string; embedding: Float32Array } => p.embedding !== undefined);
  if (withFace.length < 2) return null;
  const sim = (a: Float32Array, b: Float32Array) => {
    if (a.length !== b.length) return -1;
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
    return dot;
  };
  for (const [i, photo] of withFace.entries()) {
    let best = { score: -Infinity, other: '' };
    for (const [j, other] of withFace.entries()) {
      if (i === j) continue;
      const score = sim(photo.embedding, other.embedding);
      if (score > best.score) best = { score, other: other.file };
    }
    if (best.score < floor) return { a: photo.file, b: best.other, score: best.score };
  }
  return null;
}
