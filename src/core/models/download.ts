import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { FaceGateError } from '../errors';
import { userModelsDir } from '../paths';
import { findPackSpec, loadCatalog } from './catalog';
import type { Catalog, ModelSpec, PackSpec } from './catalog-schema';
import { sha256File } from './checksum';
import { packMembers } from './packs';

/**
 * `facegate models download PACK`: fetches a pack's files from the catalog's mirrors into the
 * user's model folder. Nothing is used before it is whole and matches the catalog's sha256: a file
 * is written as `<name>.part` beside its place, resumed with an HTTP Range request after an
 * interruption (in this run or the next), hashed, and only then renamed into place (one rename on
 * one file system: a reader sees the old state or the verified file, never half of one).
 */

export interface DownloadProgress {
  pack: string;
  model: string;
  file: string;
  url: string;
  received: number;
  total: number;
}

export type MirrorFailure = { model: string; url: string; reason: string };

export interface PackDownloadOptions {
  catalog?: Catalog;
  /** Where packs go (each model into its catalog folder below it); default the user's model folder. */
  destRoot?: string;
  /** Required for a pack with a non-commercial licence: the licence was shown and accepted. */
  acceptLicence?: boolean;
  /** Allow plain http:// to 127.0.0.1 (tests serving files locally). Everything else is HTTPS only. */
  allowLoopbackHttp?: boolean;
  /** A connection silent for this long is dropped, and the transfer resumed (default 30 s). */
  idleTimeoutMs?: number;
  /** Resume attempts per mirror after an interrupted transfer (default 3). */
  attemptsPerMirror?: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** A mirror that failed (HTTP error, timeout, wrong checksum); the next one is tried. */
  onMirrorFailed?: (failure: MirrorFailure) => void;
  /** Opens the .part file for writing ('w' new, 'a' resume); replaceable to inject disk faults. */
  openWrite?: (file: string, flags: 'w' | 'a') => Writable;
}

export interface DownloadedFile {
  model: string;
  path: string;
  status: 'downloaded' | 'present';
  url?: string;
  bytes: number;
}

export interface PackDownloadResult {
  pack: string;
  destRoot: string;
  files: DownloadedFile[];
}

export interface PackLicence {
  model: string;
  title: string;
  name: string;
  commercialUse: boolean;
  notes?: string;
}

/** URLs of archives (a zip, an npm tarball): the file is inside, so they are not download mirrors. */
const archiveUrl = /\.(zip|tgz|tar\.gz|tar)(\?.*)?$/i;

/** The catalog URLs of a model that serve the file itself, in the catalog's order. */
export function directUrls(spec: ModelSpec): string[] {
  return spec.urls.filter((url) => !archiveUrl.test(url));
}

function packOrThrow(catalog: Catalog, packId: string): PackSpec {
  const pack = findPackSpec(catalog, packId);
  if (!pack)
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `No model pack '${packId}' in the catalog. Packs: ${catalog.packs.map((p) => p.id).join(', ')}.`,
    );
  return pack;
}

/** The licences of a pack's models, one entry per distinct model. */
export function packLicences(packId: string, catalog: Catalog = loadCatalog()): PackLicence[] {
  const pack = packOrThrow(catalog, packId);
  const seen = new Set<string>();
  return packMembers(catalog, pack)
    .filter(({ spec }) => !seen.has(spec.id) && seen.add(spec.id))
    .map(({ spec }) => ({
      model: spec.id,
      title: spec.title,
      name: spec.licence.name,
      commercialUse: spec.licence.commercialUse,
      ...(spec.licence.notes ? { notes: spec.licence.notes } : {}),
    }));
}

/** Whether downloading the pack needs the licence accepted (any model is non-commercial). */
export function needsLicenceAcceptance(licences: readonly PackLicence[]): boolean {
  return licences.some((l) => !l.commercialUse);
}

class MirrorError extends Error {
  constructor(
    message: string,
    /** Worth another attempt on the same mirror with a Range request. */
    readonly resumable: boolean,
  ) {
    super(message);
  }
}

const diskErrors = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG']);

function diskError(error: unknown): NodeJS.ErrnoException | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code && diskErrors.has(code) ? (error as NodeJS.ErrnoException) : undefined;
}

function checkUrl(url: URL, allowLoopbackHttp: boolean): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && allowLoopbackHttp && url.hostname === '127.0.0.1') return;
  throw new MirrorError(`refused: only https:// downloads are allowed (${url.protocol}//${url.host})`, false);
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** GET with redirects followed (each hop checked like the first), the socket idle timeout armed. */
async function get(
  url: string,
  headers: Record<string, string>,
  options: { allowLoopbackHttp: boolean; idleTimeoutMs: number },
): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; hop < 6; hop++) {
    checkUrl(current, options.allowLoopbackHttp);
    const target = current;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const client = target.protocol === 'https:' ? https : http;
      const request = client.get(
        target,
        { headers: { 'user-agent': 'FaceGate model download', ...headers }, timeout: options.idleTimeoutMs },
        resolve,
      );
      request.on('timeout', () =>
        request.destroy(new MirrorError(`no data for ${options.idleTimeoutMs / 1000} s`, true)),
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error instanceof MirrorError
            ? error
            : // A host that does not resolve or refuses is not retried: the next mirror is.
              new MirrorError(
                error.message,
                !['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED'].includes(error.code ?? ''),
              ),
        ),
      );
    });
    const status = response.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current);
      continue;
    }
    return response;
  }
  throw new MirrorError('too many redirects', false);
}

/** One transfer into `partial` from `url`, resuming from its current size. */
async function transfer(
  spec: ModelSpec,
  url: string,
  partial: string,
  options: Required<Pick<PackDownloadOptions, 'allowLoopbackHttp' | 'idleTimeoutMs' | 'openWrite'>> & {
    report: (received: number) => void;
  },
): Promise<void> {
  let have = await sizeOf(partial);
  if (have >= spec.bytes) {
    if (have === spec.bytes) return;
    await rm(partial, { force: true });
    have = 0;
  }
  const response = await get(url, have > 0 ? { range: `bytes=${have}-` } : {}, options);
  const status = response.statusCode ?? 0;
  if (status === 416) {
    response.resume();
    await rm(partial, { force: true });
    throw new MirrorError('the server refused to resume (416); starting again', true);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new MirrorError(`HTTP ${status}`, status >= 500);
  }
  // A mirror serving another file (an HTML error page with 200, a different version) is known
  // from its length before a byte is written.
  const length = Number(response.headers['content-length'] ?? NaN);
  const total = /\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''));
  const served = status === 206 ? (total ? Number(total[1]) : NaN) : length;
  if (Number.isFinite(served) && served !== spec.bytes) {
    response.resume();
    throw new MirrorError(`it serves ${served} bytes, the catalog's file has ${spec.bytes}`, false);
  }
  let flags: 'w' | 'a' = 'w';
  if (status === 206) {
    const start = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
    if (!start || Number(start[1]) !== have) {
      response.resume();
      await rm(partial, { force: true });
      throw new MirrorError('the server resumed at the wrong offset; starting again', true);
    }
    flags = 'a';
  } else {
    have = 0; // 200: the server sent the whole file (no Range support)
  }
  let received = have;
  options.report(received);
  // Not stream.pipeline: on a cut connection it destroys the file stream with writes still queued,
  // and the bytes that did arrive (what a resume starts from) would be lost. Here the file is
  // always ended, so every received byte is on disk before the next attempt.
  const writer = options.openWrite(partial, flags);
  await new Promise<void>((resolve, reject) => {
    let failed: Error | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      writer.end();
    };
    response.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > spec.bytes) {
        failed = new MirrorError(`more than the catalog's ${spec.bytes} bytes`, false);
        response.destroy();
        return;
      }
      options.report(received);
      // No pause on back-pressure: a paused response that is then cut discards what it buffered,
      // bytes the network did deliver. The file stream queues them instead (at most one model).
      writer.write(chunk);
    });
    response.on('error', (error) => {
      failed ??=
        error instanceof MirrorError
          ? error
          : new MirrorError(`interrupted at ${received} of ${spec.bytes} bytes (${error.message})`, true);
    });
    response.on('close', () => {
      if (!response.complete)
        failed ??= new MirrorError(`interrupted at ${received} of ${spec.bytes} bytes`, true);
      end();
    });
    writer.on('error', (error) => {
      response.destroy();
      reject(error);
    });
    writer.on('finish', () => (failed ? reject(failed) : resolve()));
  });
  if (received < spec.bytes) throw new MirrorError(`interrupted at ${received} of ${spec.bytes} bytes`, true);
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}

/** Downloads, resumes and verifies one model file; returns the URL it came from. */
async function downloadModel(
  packId: string,
  spec: ModelSpec,
  target: string,
  options: PackDownloadOptions,
): Promise<string> {
  const urls = directUrls(spec);
  if (urls.length === 0)
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `Model '${spec.id}' of pack '${packId}' has no direct download in the catalog` +
        (spec.urls.length
          ? ` (only inside ${spec.urls.join(', ')}): unpack it into ${path.dirname(target)}.`
          : '.'),
      { details: { model: spec.id, pack: packId } },
    );
  const partial = `${target}.part`;
  const attempts = options.attemptsPerMirror ?? 3;
  const transferOptions = {
    allowLoopbackHttp: options.allowLoopbackHttp ?? false,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    openWrite: options.openWrite ?? ((file: string, flags: 'w' | 'a') => createWriteStream(file, { flags })),
  };
  const failures: MirrorFailure[] = [];
  for (const url of urls) {
    const report = (received: number) =>
      options.onProgress?.({ pack: packId, model: spec.id, file: target, url, received, total: spec.bytes });
    let failure: string | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await transfer(spec, url, partial, { ...transferOptions, report });
        failure = undefined;
        break;
      } catch (error) {
        const disk = diskError(error);
        if (disk) {
          throw new FaceGateError(
            'DOWNLOAD',
            disk.code === 'ENOSPC' || disk.code === 'EDQUOT' || disk.code === 'EFBIG'
              ? `Not enough disk space in ${path.dirname(target)} for model '${spec.id}' (${formatBytes(spec.bytes)}): ` +
                  'free some space and run the download again; it resumes where it stopped.'
              : `Cannot write model '${spec.id}' into ${path.dirname(target)} (${disk.code}): ` +
                  'choose a folder you can write to.',
            { details: { model: spec.id, pack: packId, file: partial, code: disk.code } },
          );
        }
        failure = (error as Error).message;
        if (!(error instanceof MirrorError) || !error.resumable) break;
      }
    }
    if (failure === undefined) {
      const actual = await sha256File(partial);
      if (actual === spec.sha256) {
        await rename(partial, target);
        return url;
      }
      await rm(partial, { force: true });
      failure = `sha256 ${actual} is not the catalog's ${spec.sha256}; the file was deleted`;
    }
    const mirrorFailure = { model: spec.id, url, reason: failure };
    failures.push(mirrorFailure);
    options.onMirrorFailed?.(mirrorFailure);
  }
  throw new FaceGateError(
    'DOWNLOAD',
    `Could not download model '${spec.id}' of pack '${packId}': ` +
      failures.map((f) => `${f.url}: ${f.reason}`).join('; ') +
      '. Check the network and run the download again (a partial file is resumed).',
    { details: { model: spec.id, pack: packId, failures } },
  );
}

/**
 * Downloads every file of a pack that is not already in place (and matching the catalog) under
 * `destRoot`. A pack with a non-commercial licence is refused unless `acceptLicence` is set: show
 * `packLicences()` first.
 */
export async function downloadPack(
  packId: string,
  options: PackDownloadOptions = {},
): Promise<PackDownloadResult> {
  const catalog = options.catalog ?? loadCatalog();
  const pack = packOrThrow(catalog, packId);
  const licences = packLicences(packId, catalog);
  if (needsLicenceAcceptance(licences) && !options.acceptLicence) {
    const restricted = licences.filter((l) => !l.commercialUse);
    throw new FaceGateError(
      'INVALID_INPUT',
      `Pack '${packId}' includes models licensed for non-commercial use only ` +
        `(${restricted.map((l) => `${l.model}: ${l.name}`).join('; ')}). ` +
        'Read the licence and accept it to download (facegate models download --accept-licence).',
      { details: { pack: packId, licences: restricted } },
    );
  }
  const destRoot = path.resolve(options.destRoot ?? userModelsDir());
  const files: DownloadedFile[] = [];
  const seen = new Set<string>();
  for (const { spec } of packMembers(catalog, pack)) {
    if (seen.has(spec.id)) continue;
    seen.add(spec.id);
    const dir = path.join(destRoot, spec.folder);
    const target = path.join(dir, spec.fileName);
    if ((await sizeOf(target)) === spec.bytes && (await sha256File(target)) === spec.sha256) {
      files.push({ model: spec.id, path: target, status: 'present', bytes: spec.bytes });
      continue;
    }
    await mkdir(dir, { recursive: true });
    const url = await downloadModel(packId, spec, target, options);
    files.push({ model: spec.id, path: target, status: 'downloaded', url, bytes: spec.bytes });
  }
  return { pack: packId, destRoot, files };
}
