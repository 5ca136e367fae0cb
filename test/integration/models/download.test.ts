import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import { loadCatalog, type Catalog } from '../../../src/core/models';
import { downloadPack, packLicences, type MirrorFailure } from '../../../src/core/models/download';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedModels, sharedModelsDir } from '../../helpers/paths';

/**
 * The download command against a real HTTP server on 127.0.0.1 serving ../shared/models, with the
 * real catalog's files and checksums. Each mirror is a path prefix (/a/, /b/) over the same files;
 * faults are injected per URL path.
 */

type Fault =
  | { kind: 'corrupt' } // one byte flipped in the middle
  | { kind: 'truncate-once' } // the first response stops half way and the connection is cut
  | { kind: 'status'; status: number }
  | { kind: 'stall-once' } // the first response sends a little, then nothing
  | { kind: 'html' }; // 200 with an error page instead of the file

interface Served {
  path: string;
  range?: string;
  status: number;
  bytes: number;
}

const faults = new Map<string, Fault>();
const served: Served[] = [];
const stalled: http.ServerResponse[] = [];
let server: http.Server;
let base: string;
let dest: string;

function sendFile(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const file = path.join(sharedModelsDir, decodeURIComponent(url.replace(/^\/[ab]\//, '')));
  const fault = faults.get(url);
  if (fault?.kind === 'status' || !file.startsWith(sharedModelsDir) || !existsSync(file)) {
    const status = fault?.kind === 'status' ? fault.status : 404;
    served.push({ path: url, status, bytes: 0 });
    res.writeHead(status).end();
    return;
  }
  let body = readFileSync(file);
  if (fault?.kind === 'html') body = Buffer.from('<html><body>Rate limit exceeded</body></html>');
  if (fault?.kind === 'corrupt') {
    body = Buffer.from(body);
    body[body.length >> 1] ^= 0xff;
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const status = range ? 206 : 200;
  const headers: http.OutgoingHttpHeaders = {
    'content-length': body.length - start,
    'accept-ranges': 'bytes',
  };
  if (range) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(status, headers);
  const part = body.subarray(start);
  if (fault?.kind === 'truncate-once') {
    faults.delete(url);
    const half = part.subarray(0, part.length >> 1);
    served.push({ path: url, range: req.headers.range, status, bytes: half.length });
    res.write(half, () => res.socket?.end()); // the connection closes with the body short
    return;
  }
  if (fault?.kind === 'stall-once') {
    faults.delete(url);
    served.push({ path: url, range: req.headers.range, status, bytes: 1000 });
    res.write(part.subarray(0, 1000));
    stalled.push(res); // never ended: the client's idle timeout must give up on it
    return;
  }
  served.push({ path: url, range: req.headers.range, status, bytes: part.length });
  res.end(part);
}

/** The real catalog, each model's mirrors pointed at the local server (/a/ first, then /b/). */
function localCatalog(mirrors: readonly string[] = ['a', 'b']): Catalog {
  const catalog = structuredClone(loadCatalog());
  for (const model of catalog.models) {
    model.urls = mirrors.map((m) => `${base}/${m}/${model.folder}/${model.fileName}`);
  }
  return catalog;
}

const yunet = 'opencv-zoo/face_detection_yunet_2023mar.onnx';
const yunetSize = () => statSync(path.join(sharedModelsDir, yunet)).size;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function failure(promise: Promise<unknown>): Promise<FaceGateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FaceGateError);
    return error as FaceGateError;
  }
  throw new Error('expected the download to fail');
}

function leftovers(): string[] {
  if (!existsSync(dest)) return [];
  return readdirSync(dest, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part'));
}

describe.skipIf(skipWithout('../shared/models', hasSharedModels))(
  'facegate models download against a local server (needs ../shared/models)',
  () => {
    beforeAll(async () => {
      server = http.createServer(sendFile);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const res of stalled) res.socket?.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    beforeEach(() => {
      dest = mkdtempSync(path.join(os.tmpdir(), 'facegate-download-'));
      faults.clear();
      served.length = 0;
    });
    afterEach(() => rmSync(dest, { recursive: true, force: true }));

    it('downloads every file of a pack, each matching the catalog, and a second run fetches nothing', async () => {
      const catalog = localCatalog();
      const progress: number[] = [];
      const result = await downloadPack('open', {
        catalog,
        destRoot: dest,
        allowLoopbackHttp: true,
        onProgress: (p) => p.model === 'yunet-2023mar' && progress.push(p.received),
      });
      // Detector, two recognizers, the MiniFASNet pair and the liveness second opinion (issue 12).
      expect(result.files.map((f) => f.status)).toEqual(Array(6).fill('downloaded'));
      for (const file of result.files) {
        const spec = catalog.models.find((m) => m.id === file.model)!;
        expect(sha256(file.path)).toBe(spec.sha256);
        expect(file.path).toBe(path.join(dest, spec.folder, spec.fileName));
      }
      expect(progress.at(-1)).toBe(yunetSize());
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(leftovers()).toEqual([]);

      served.length = 0;
      const again = await downloadPack('open', { catalog, destRoot: dest, allowLoopbackHttp: true });
      expect(again.files.map((f) => f.status)).toEqual(Array(6).fill('present'));
      expect(served).toEqual([]);
    });

    it('a corrupted byte on the first mirror: that copy is deleted, the next mirror is used', async () => {
      faults.set(`/a/${yunet}`, { kind: 'corrupt' });
      const failed: MirrorFailure[] = [];
      const result = await downloadPack('open', {
        catalog: localCatalog(),
        destRoot: dest,
        allowLoopbackHttp: true,
        onMirrorFailed: (f) => failed.push(f),
      });
      expect(failed).toHaveLength(1);
      expect(failed[0]!.url).toBe(`${base}/a/${yunet}`);
      expect(failed[0]!.reason).toMatch(/sha256 .* is not the catalog's/);
      expect(result.files.find((f) => f.model === 'yunet-2023mar')!.url).toBe(`${base}/b/${yunet}`);
    });

    it('a corrupted byte on the only mirror: a clear error, and nothing is left to be used', async () => {
      faults.set(`/a/${yunet}`, { kind: 'corrupt' });
      const error = await failure(
        downloadPack('open', { catalog: localCatalog(['a']), destRoot: dest, allowLoopbackHttp: true }),
      );
      expect(error.code).toBe('DOWNLOAD');
      expect(error.message).toMatch(/yunet-2023mar.*sha256/);
      expect(existsSync(path.join(dest, yunet))).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it('a truncated transfer is resumed with a Range request, not started again', async () => {
      faults.set(`/a/${yunet}`, { kind: 'truncate-once' });
      await downloadPack('open', { catalog: localCatalog(), destRoot: dest, allowLoopbackHttp: true });
      const requests = served.filter((s) => s.path === `/a/${yunet}`);
      const half = Math.floor(yunetSize() / 2);
      expect(requests.map((r) => [r.status, r.range])).toEqual([
        [200, undefined],
        [206, `bytes=${half}-`],
      ]);
      expect(requests[0]!.bytes + requests[1]!.bytes).toBe(yunetSize());
      expect(sha256(path.join(dest, yunet))).toBe(
        loadCatalog().models.find((m) => m.id === 'yunet-2023mar')!.sha256,
      );
    });

    it('an interrupted run leaves a .part file that the next run resumes', async () => {
      faults.set(`/a/${yunet}`, { kind: 'truncate-once' });
      const catalog = localCatalog(['a']);
      const error = await failure(
        downloadPack('open', { catalog, destRoot: dest, allowLoopbackHttp: true, attemptsPerMirror: 1 }),
      );
      expect(error.code).toBe('DOWNLOAD');
      expect(error.message).toMatch(/interrupted at \d+ of \d+ bytes/);
      const partial = path.join(dest, `${yunet}.part`);
      expect(statSync(partial).size).toBe(Math.floor(yunetSize() / 2));
      expect(existsSync(path.join(dest, yunet))).toBe(false);

      await downloadPack('open', { catalog, destRoot: dest, allowLoopbackHttp: true });
      expect(served.filter((s) => s.path === `/a/${yunet}`).at(-1)!.range).toBe(
        `bytes=${Math.floor(yunetSize() / 2)}-`,
      );
      expect(existsSync(partial)).toBe(false);
      expect(statSync(path.join(dest, yunet)).size).toBe(yunetSize());
    });

    it('a 404 on the first mirror falls through to the next', async () => {
      faults.set(`/a/${yunet}`, { kind: 'status', status: 404 });
      const failed: MirrorFailure[] = [];
      const result = await downloadPack('open', {
        catalog: localCatalog(),
        destRoot: dest,
        allowLoopbackHttp: true,
        onMirrorFailed: (f) => failed.push(f),
      });
      expect(failed).toEqual([{ model: 'yunet-2023mar', url: `${base}/a/${yunet}`, reason: 'HTTP 404' }]);
      expect(result.files.find((f) => f.model === 'yunet-2023mar')!.url).toBe(`${base}/b/${yunet}`);
    });

    it('a mirror answering 200 with something else (an error page) is left at once for the next', async () => {
      faults.set(`/a/${yunet}`, { kind: 'html' });
      const failed: MirrorFailure[] = [];
      await downloadPack('open', {
        catalog: localCatalog(),
        destRoot: dest,
        allowLoopbackHttp: true,
        onMirrorFailed: (f) => failed.push(f),
      });
      expect(failed.map((f) => f.reason)).toEqual([
        `it serves 45 bytes, the catalog's file has ${yunetSize()}`,
      ]);
      expect(served.filter((s) => s.path === `/a/${yunet}`)).toHaveLength(1);
      expect(statSync(path.join(dest, yunet)).size).toBe(yunetSize());
    });

    it('a server that stops sending is dropped after the idle timeout and the transfer resumed', async () => {
      faults.set(`/a/${yunet}`, { kind: 'stall-once' });
      const progress: number[] = [];
      await downloadPack('open', {
        catalog: localCatalog(['a']),
        destRoot: dest,
        allowLoopbackHttp: true,
        idleTimeoutMs: 500,
        onProgress: (p) => p.model === 'yunet-2023mar' && progress.push(p.received),
      });
      expect(progress).toContain(1000);
      const requests = served.filter((s) => s.path === `/a/${yunet}`);
      expect(requests.map((r) => r.range)).toEqual([undefined, 'bytes=1000-']);
      expect(statSync(path.join(dest, yunet)).size).toBe(yunetSize());
    });

    it('no disk space (ENOSPC from the write stream, injected): a clear error, no other mirror tried', async () => {
      const failed: MirrorFailure[] = [];
      const error = await failure(
        downloadPack('open', {
          catalog: localCatalog(),
          destRoot: dest,
          allowLoopbackHttp: true,
          onMirrorFailed: (f) => failed.push(f),
          openWrite: () =>
            new Writable({
              write(_chunk, _encoding, done) {
                done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
              },
            }),
        }),
      );
      expect(error.code).toBe('DOWNLOAD');
      expect(error.message).toMatch(/Not enough disk space in .* for model 'yunet-2023mar'/);
      expect(failed).toEqual([]);
      expect(served).toHaveLength(1);
      expect(existsSync(path.join(dest, yunet))).toBe(false);
    });

    it('plain http is refused unless explicitly allowed, and then only for 127.0.0.1', async () => {
      const error = await failure(downloadPack('open', { catalog: localCatalog(['a']), destRoot: dest }));
      expect(error.message).toMatch(/only https:\/\/ downloads are allowed/);
      const catalog = localCatalog(['a']);
      for (const model of catalog.models)
        model.urls = model.urls.map((u) => u.replace('127.0.0.1', 'localhost'));
      const local = await failure(downloadPack('open', { catalog, destRoot: dest, allowLoopbackHttp: true }));
      expect(local.message).toMatch(/only https:\/\//);
      expect(served).toEqual([]);
    });

    it('a file already in place with the wrong content is replaced by a verified download', async () => {
      const target = path.join(dest, yunet);
      await downloadPack('open_single', { catalog: localCatalog(), destRoot: dest, allowLoopbackHttp: true });
      writeFileSync(target, 'not a model');
      const result = await downloadPack('open_single', {
        catalog: localCatalog(),
        destRoot: dest,
        allowLoopbackHttp: true,
      });
      expect(result.files.find((f) => f.model === 'yunet-2023mar')!.status).toBe('downloaded');
      expect(statSync(target).size).toBe(yunetSize());
    });
  },
);

describe('licences before a download', () => {
  it('a non-commercial pack is refused until its licence is accepted, before any request', async () => {
    const licences = packLicences('buffalo_s');
    expect(licences.some((l) => !l.commercialUse)).toBe(true);
    const error = await failure(downloadPack('buffalo_s', { destRoot: os.tmpdir() }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/non-commercial use only.*--accept-licence/);
  });

  it('a model that only comes inside an archive names the archive (no request made)', async () => {
    const catalog = structuredClone(loadCatalog());
    const zip = 'https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_s.zip';
    catalog.models.find((m) => m.id === 'scrfd-500m')!.urls = [zip];
    const error = await failure(
      downloadPack('buffalo_s', {
        catalog,
        destRoot: path.join(os.tmpdir(), 'facegate-none'),
        acceptLicence: true,
      }),
    );
    expect(error.code).toBe('PACK_NOT_FOUND');
    expect(error.message).toContain(`has no direct download in the catalog (only inside ${zip})`);
  });

  it('an unknown pack names the packs there are', async () => {
    const error = await failure(downloadPack('nonesuch', { destRoot: os.tmpdir() }));
    expect(error.code).toBe('PACK_NOT_FOUND');
    expect(error.message).toMatch(/Packs: open, /);
  });
});
