import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Person } from '../../shared/people';
import { FaceGateError, isFaceGateError } from '../errors';
import { decodeImage } from '../image/decode';
import { enrolFace } from './enrolment';
import { recognizerOf, type FaceEngine } from './face-engine';
import type { Gallery } from './gallery';
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
  /** Group for people created by this import. */
  group?: string | null;
  actor: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  folder: string;
  images: number;
  added: number;
  alreadyImported: number;
  peopleCreated: number;
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
    refused: [],
  };
  const alreadyImported = gallery.db.sqlite.prepare('SELECT 1 FROM import_sources WHERE sha256 = ? LIMIT 1');
  const remember = gallery.db.sqlite.prepare(
    'INSERT OR IGNORE INTO import_sources (person_id, template_id, sha256, path, imported_at) VALUES (?, ?, ?, ?, ?)',
  );

  for (const [index, item] of items.entries()) {
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
    if (alreadyImported.get(sha256)) {
      report.alreadyImported++;
      progress('already_imported', 'imported before');
      continue;
    }
    const namesakes = gallery.people.findByName(item.name);
    if (namesakes.length > 1) {
      refuse(
        'ambiguous_name',
        `${namesakes.length} people are named ${item.name}; enrol this photo by id instead`,
      );
      continue;
    }
    let faces;
    try {
      const image = await decodeImage(bytes, item.relPath);
      faces = { ...(await options.engine.analyze(image, { embed: 'main' })) };
    } catch (error) {
      if (!isFaceGateError(error)) throw error;
      refuse('unreadable', error.message);
      continue;
    }
    const existing: Person | undefined = namesakes[0];
    const result = await enrolFace(gallery, faces, {
      ...(existing
        ? { personId: existing.id }
        : { newPerson: { name: item.name, group: options.group ?? null } }),
      source: 'import',
      sourceRef: item.relPath,
      model,
      duplicateThreshold: options.duplicateThreshold,
      force: options.force,
      gates: options.gates,
      actor: options.actor,
      // The template and "this photo was imported" are one transaction: an import killed between
      // the two cannot enrol the same photo twice on the next run.
      alongside: ({ personId, templateId }) =>
        remember.run(personId, templateId, sha256, item.relPath, Date.now()),
    });
    if (!result.accepted || !result.template || !result.person) {
      refuse(result.quality.issues[0]?.code ?? 'refused', result.message);
      continue;
    }
    if (!existing) report.peopleCreated++;
    report.added++;
    progress('added', `${result.person.name}: ${result.message}`);
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
