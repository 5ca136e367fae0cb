import { statSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError } from '../errors';
import { userModelsDir } from '../paths';
import { findModelSpec, findPackSpec, loadCatalog } from './catalog';
import type { Catalog, ModelSpec, PackSpec } from './catalog-schema';
import { cachedSha256, verifyModelFile } from './checksum';
import { locateModel } from './locate';
import { onnxFilesIn, recogniseModelFile, type RecognisedModel, type SkippedFile } from './recognise';
import { modelSearchPath } from './search-path';

export type PackRole = 'detector' | 'recognizer' | 'landmarks' | 'liveness' | 'livenessSecondOpinion';

export interface ResolvedModel {
  spec: ModelSpec;
  path: string;
}

export interface ResolvedPack {
  spec: PackSpec;
  detector: ResolvedModel;
  /** The main recognizer; with `fused`, the first member of a fused recognizer. */
  recognizer: ResolvedModel;
  /** Recognizers fused with the main one (catalog `fuse`, in order); empty for one model. */
  fused: ResolvedModel[];
  landmarks?: ResolvedModel;
  /** The pack's liveness models whose files are present (verified like the others). */
  liveness: ResolvedModel[];
  /** Liveness models of the pack whose files were not found (the second opinion included). */
  missingLiveness: ModelSpec[];
  /** The pack's second liveness opinion (catalog livenessSecondOpinion) when its file is present. */
  secondOpinion?: ResolvedModel;
  /** 'folder' when the pack was built from a folder of ONNX files rather than the catalog. */
  origin: 'catalog' | 'folder';
}

export interface PackOptions {
  /** Folders to look in (default: modelSearchPath()). */
  searchPath?: string[];
}

export interface PackMember {
  role: PackRole;
  spec: ModelSpec;
  /** Detector, recognizers and landmarks are required; liveness models are optional. */
  required: boolean;
}

export function packMembers(catalog: Catalog, pack: PackSpec): PackMember[] {
  const member = (role: PackRole, id: string, required: boolean): PackMember => {
    const spec = findModelSpec(catalog, id);
    // parseCatalog has checked every reference; this guards hand-built catalogs.
    if (!spec)
      throw new FaceGateError(
        'MODEL_LOAD',
        `Pack '${pack.id}' names model '${id}', which the catalog lacks.`,
      );
    return { role, spec, required };
  };
  return [
    member('detector', pack.detector, true),
    member('recognizer', pack.recognizer, true),
    ...pack.fuse.map((id) => member('recognizer', id, true)),
    ...(pack.landmarks ? [member('landmarks', pack.landmarks, true)] : []),
    ...pack.liveness.map((id) => member('liveness', id, false)),
    ...(pack.livenessSecondOpinion
      ? [member('livenessSecondOpinion', pack.livenessSecondOpinion, false)]
      : []),
  ];
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

/** True when the id names a folder rather than a catalog pack. */
function looksLikeFolder(id: string): boolean {
  return id.includes('/') || id.includes(path.sep) || id.startsWith('.') || isDirectory(id);
}

function missingPackError(pack: PackSpec, missing: PackMember[], searchPath: string[]): FaceGateError {
  const userDir = userModelsDir();
  const lines = missing.map(({ spec }) => {
    const where = path.join(userDir, spec.folder, spec.fileName);
    const source = spec.urls.length
      ? `download it from ${spec.urls[0]} (unzip archives) to ${where}`
      : `copy it to ${where}`;
    return `${spec.folder ? `${spec.folder}/` : ''}${spec.fileName} (model '${spec.id}'): ${source}`;
  });
  return new FaceGateError(
    'PACK_NOT_FOUND',
    `Model pack '${pack.id}' is missing ${missing.length === 1 ? 'a file' : `${missing.length} files`}: ${lines.join('; ')}. ` +
      `Searched: ${searchPath.join(', ') || '(no folders)'}. ` +
      'Or set FACEGATE_MODELS_PATH to a folder that holds them (colon-separated list).',
    {
      details: {
        pack: pack.id,
        missing: missing.map(({ spec }) => ({
          model: spec.id,
          fileName: spec.fileName,
          folder: spec.folder,
          urls: spec.urls,
        })),
        searched: searchPath,
      },
    },
  );
}

async function resolveCatalogPack(
  catalog: Catalog,
  pack: PackSpec,
  searchPath: string[],
): Promise<ResolvedPack> {
  const members = packMembers(catalog, pack).map((m) => ({ ...m, path: locateModel(m.spec, searchPath) }));
  const missingRequired = members.filter((m) => m.required && !m.path);
  if (missingRequired.length) throw missingPackError(pack, missingRequired, searchPath);
  const present = members.filter((m): m is PackMember & { path: string } => m.path !== undefined);
  for (const m of present) await verifyModelFile(m.spec, m.path, pack.id);
  const resolved = (role: PackRole) =>
    present.filter((m) => m.role === role).map(({ spec, path: file }) => ({ spec, path: file }));
  // packMembers lists the main recognizer before the fused ones.
  const [recognizer, ...fused] = resolved('recognizer');
  return {
    spec: pack,
    detector: resolved('detector')[0],
    recognizer,
    fused,
    ...(pack.landmarks ? { landmarks: resolved('landmarks')[0] } : {}),
    liveness: resolved('liveness'),
    missingLiveness: members
      .filter((m) => (m.role === 'liveness' || m.role === 'livenessSecondOpinion') && !m.path)
      .map((m) => m.spec),
    ...(pack.livenessSecondOpinion ? { secondOpinion: resolved('livenessSecondOpinion')[0] } : {}),
    origin: 'catalog',
  };
}

/** A pack id for a folder: its name in catalog-id form. */
function folderPackId(dir: string): string {
  const id = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return id || 'folder';
}

/** What recogniseFolder found in a folder of ONNX files. */
export interface FolderInspection {
  dir: string;
  models: RecognisedModel[];
  skipped: SkippedFile[];
}

/** Recognises every .onnx file of a folder (catalog files by sha256, others by their inputs/outputs). */
export async function recogniseFolder(dir: string): Promise<FolderInspection> {
  let files: string[];
  try {
    files = await onnxFilesIn(dir);
  } catch (error) {
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `Cannot read the model folder ${dir}: ${(error as Error).message}.`,
      {
        cause: error,
        details: { folder: dir },
      },
    );
  }
  const catalog = loadCatalog();
  const models: RecognisedModel[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const result = await recogniseModelFile(file, catalog.models);
    if ('spec' in result) models.push(result);
    else skipped.push(result);
  }
  return { dir, models, skipped };
}

async function resolveFolderPack(folder: string): Promise<ResolvedPack> {
  const dir = path.resolve(folder);
  const { models, skipped } = await recogniseFolder(dir);
  const first = (test: (spec: ModelSpec) => boolean) => models.find((m) => test(m.spec));
  const detector = first((s) => s.task === 'detection');
  const recognizer = first((s) => s.task === 'recognition');
  const landmarks = detector?.spec.kind === 'ultraface' ? first((s) => s.kind === 'landmark68') : undefined;
  const liveness = models.filter((m) => m.spec.task === 'liveness');
  if (!detector || !recognizer || (detector.spec.kind === 'ultraface' && !landmarks)) {
    const found = models.map((m) => `${path.basename(m.path)}: ${m.spec.task} (${m.spec.kind})`);
    const ignored = skipped.map((s) => `${path.basename(s.path)}: ${s.reason}`);
    const lacking = [
      !detector && 'a face detector',
      !recognizer && 'a face recognizer',
      detector?.spec.kind === 'ultraface' &&
        !landmarks &&
        'a 68-point landmark model (UltraFace finds no landmarks)',
    ].filter(Boolean);
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `The folder ${dir} cannot serve as a model pack: it lacks ${lacking.join(' and ')}. ` +
        `Recognised: ${found.join('; ') || 'nothing'}.` +
        (ignored.length ? ` Not recognised: ${ignored.join('; ')}.` : '') +
        ' Put an ONNX face detector (SCRFD, YuNet) and an ArcFace-style recognizer in it, or use a catalog pack id.',
      { details: { folder: dir, recognised: found, skipped } },
    );
  }
  // Only a pack with this recognizer alone: a fused pack's threshold is for the fused scores.
  const catalogPackThreshold = loadCatalog().packs.find(
    (p) => p.recognizer === recognizer.spec.id && p.fuse.length === 0,
  );
  const spec: PackSpec = {
    id: folderPackId(dir),
    title: `Models in ${dir}`,
    description: `Built from the ONNX files of ${dir}, each recognised from its inputs and outputs (or its sha256).`,
    detector: detector.spec.id,
    recognizer: recognizer.spec.id,
    fuse: [],
    ...(landmarks ? { landmarks: landmarks.spec.id } : {}),
    liveness: liveness.map((m) => m.spec.id),
    threshold: catalogPackThreshold?.threshold ?? 0.3,
    thresholdEvidence: catalogPackThreshold
      ? `Threshold of catalog pack '${catalogPackThreshold.id}', which uses the same recognizer: ${catalogPackThreshold.thresholdEvidence}`
      : 'Unknown recognizer from a folder: 0.3 is only a generic starting point for ArcFace-style cosine similarity, not a measurement. Measure it before relying on it.',
  };
  const pick = (m: RecognisedModel): ResolvedModel => ({ spec: m.spec, path: m.path });
  return {
    spec,
    detector: pick(detector),
    recognizer: pick(recognizer),
    fused: [],
    ...(landmarks ? { landmarks: pick(landmarks) } : {}),
    liveness: liveness.map(pick),
    missingLiveness: [],
    origin: 'folder',
  };
}

/**
 * The pack to run: the catalog pack with that id, a pack built from a folder of ONNX files when
 * the id is a folder path, or (no id) the first of the catalog's defaultPacks whose required
 * files are all present. Every file is checked against its sha256 first.
 * PACK_NOT_FOUND: unknown id (listing the known ones) or missing files (naming them, the folders
 * searched and what to do); MODEL_CHECKSUM: a file that does not match the catalog.
 */
export async function resolvePack(id?: string, options: PackOptions = {}): Promise<ResolvedPack> {
  const catalog = loadCatalog();
  const searchPath = options.searchPath ?? modelSearchPath();
  if (id === undefined || id === '') {
    for (const packId of catalog.defaultPacks) {
      const pack = findPackSpec(catalog, packId) as PackSpec;
      const ready = packMembers(catalog, pack).every((m) => !m.required || locateModel(m.spec, searchPath));
      if (ready) return resolveCatalogPack(catalog, pack, searchPath);
    }
    const last = findPackSpec(catalog, catalog.defaultPacks[catalog.defaultPacks.length - 1]) as PackSpec;
    const missing = packMembers(catalog, last).filter((m) => m.required && !locateModel(m.spec, searchPath));
    const error = missingPackError(last, missing, searchPath);
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `No default model pack (${catalog.defaultPacks.join(', ')}) has all its files. ${error.message}`,
      { details: error.details },
    );
  }
  const pack = findPackSpec(catalog, id);
  if (pack) return resolveCatalogPack(catalog, pack, searchPath);
  if (looksLikeFolder(id)) return resolveFolderPack(id);
  throw new FaceGateError(
    'PACK_NOT_FOUND',
    `There is no model pack '${id}'. Known packs: ${catalog.packs.map((p) => p.id).join(', ')}; or give the path of a folder of ONNX models.`,
    { details: { pack: id, known: catalog.packs.map((p) => p.id) } },
  );
}

export interface PackFileStatus {
  role: PackRole;
  required: boolean;
  model: ModelSpec;
  /** Where the file was found (not checksummed by listPacks), or undefined when missing. */
  path?: string;
}

export interface PackStatus {
  id: string;
  title: string;
  description: string;
  /** Detector, recognizer(s) and landmarks files all present. */
  available: boolean;
  /** The pack resolvePack() picks when no id is given. */
  isDefault: boolean;
  files: PackFileStatus[];
  /** File names (folder/file) that were not found, liveness included. */
  missing: string[];
  /** True only when every file's licence allows commercial use. */
  commercialUse: boolean;
  licences: string[];
  threshold: number;
  thresholdEvidence: string;
}

/** Every catalog pack with the availability of its files (located, not hashed), licences and threshold. */
export async function listPacks(searchPath: string[] = modelSearchPath()): Promise<PackStatus[]> {
  const catalog = loadCatalog();
  const statuses = catalog.packs.map((pack): PackStatus => {
    const files = packMembers(catalog, pack).map((m): PackFileStatus => ({
      role: m.role,
      required: m.required,
      model: m.spec,
      path: locateModel(m.spec, searchPath),
    }));
    return {
      id: pack.id,
      title: pack.title,
      description: pack.description,
      available: files.every((f) => !f.required || f.path),
      isDefault: false,
      files,
      missing: files
        .filter((f) => !f.path)
        .map((f) => (f.model.folder ? `${f.model.folder}/` : '') + f.model.fileName),
      commercialUse: files.every((f) => f.model.licence.commercialUse),
      licences: [...new Set(files.map((f) => f.model.licence.name))],
      threshold: pack.threshold,
      thresholdEvidence: pack.thresholdEvidence,
    };
  });
  const chosen = catalog.defaultPacks.find((id) => statuses.find((s) => s.id === id)?.available);
  for (const status of statuses) status.isDefault = status.id === chosen;
  return statuses;
}

export interface FileVerification {
  pack: string;
  role: PackRole;
  model: string;
  fileName: string;
  path?: string;
  status: 'ok' | 'mismatch' | 'missing';
  expected: string;
  actual?: string;
}

/**
 * Re-hashes (ignoring the in-memory cache) every present file of the given packs, or of all
 * catalog packs. A file shared by several packs is hashed once.
 */
export async function verifyPacks(
  ids?: string[],
  searchPath: string[] = modelSearchPath(),
): Promise<FileVerification[]> {
  const catalog = loadCatalog();
  const packs = (ids ?? catalog.packs.map((p) => p.id)).map((id) => {
    const pack = findPackSpec(catalog, id);
    if (!pack) {
      throw new FaceGateError(
        'PACK_NOT_FOUND',
        `There is no model pack '${id}'. Known packs: ${catalog.packs.map((p) => p.id).join(', ')}.`,
        {
          details: { pack: id },
        },
      );
    }
    return pack;
  });
  const hashed = new Map<string, string>();
  const results: FileVerification[] = [];
  for (const pack of packs) {
    for (const m of packMembers(catalog, pack)) {
      const file = locateModel(m.spec, searchPath);
      const base = {
        pack: pack.id,
        role: m.role,
        model: m.spec.id,
        fileName: m.spec.fileName,
        expected: m.spec.sha256,
      };
      if (!file) {
        results.push({ ...base, status: 'missing' });
        continue;
      }
      let actual = hashed.get(file);
      if (actual === undefined) {
        actual = await cachedSha256(file, { force: true });
        hashed.set(file, actual);
      }
      results.push({ ...base, path: file, status: actual === m.spec.sha256 ? 'ok' : 'mismatch', actual });
    }
  }
  return results;
}
