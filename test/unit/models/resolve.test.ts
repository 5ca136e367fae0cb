import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import {
  cachedSha256,
  clearChecksumCache,
  listPacks,
  loadCatalog,
  locateModel,
  modelSearchPath,
  resolvePack,
  sha256File,
  verifyPacks,
} from '../../../src/core/models';
import { hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { cleanEnv, copySharedModel, rejection, removeTemp, starterDir, tempDir } from './helpers';
import { skipWithout } from '../../helpers/fixtures';

const catalog = loadCatalog();
const spec = (id: string) => catalog.models.find((m) => m.id === id)!;
const temps: string[] = [];
function temp(prefix: string): string {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
}
afterAll(() => temps.forEach(removeTemp));

describe('locateModel', () => {
  it('prefers <root>/<folder>/<file>, then <root>/<file>, root by root', () => {
    const first = temp('locate-a');
    const second = temp('locate-b');
    const yunet = spec('yunet-2023mar');
    const flat = path.join(first, yunet.fileName);
    const nested = path.join(second, yunet.folder, yunet.fileName);
    mkdirSync(path.dirname(nested), { recursive: true });
    writeFileSync(flat, 'x');
    writeFileSync(nested, 'x');
    expect(locateModel(yunet, [first, second])).toBe(flat);
    expect(locateModel(yunet, [second, first])).toBe(nested);
    const both = path.join(first, yunet.folder, yunet.fileName);
    mkdirSync(path.dirname(both), { recursive: true });
    writeFileSync(both, 'x');
    expect(locateModel(yunet, [first])).toBe(both);
    expect(locateModel(yunet, [temp('locate-empty')])).toBeUndefined();
  });

  it('ignores a folder with the model file name', () => {
    const root = temp('locate-dir');
    mkdirSync(path.join(root, spec('yunet-2023mar').fileName));
    expect(locateModel(spec('yunet-2023mar'), [root])).toBeUndefined();
  });
});

describe('resolvePack: the default pack', () => {
  it('is the starter pack on a fresh install (no FACEGATE_MODELS_PATH, empty user folder)', async () => {
    const searchPath = modelSearchPath(cleanEnv(temp('fresh')));
    const pack = await resolvePack(undefined, { searchPath });
    expect(pack.spec.id).toBe('starter');
    expect(pack.origin).toBe('catalog');
    expect(path.dirname(pack.detector.path)).toBe(starterDir());
    expect(pack.detector.spec.kind).toBe('ultraface');
    expect(pack.recognizer.spec.id).toBe('faceplugin-arcface-512');
    expect(pack.landmarks?.spec.id).toBe('faceplugin-landmark68');
    expect(pack.liveness.map((m) => m.spec.id)).toEqual(['faceplugin-liveness']);
    expect(pack.missingLiveness).toEqual([]);
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'is open_single (chosen on the dev sets) when ../shared/models is on the path (needs ../shared/models)',
    async () => {
      const env = { ...cleanEnv(temp('shared')), FACEGATE_MODELS_PATH: sharedModelsDir };
      const pack = await resolvePack(undefined, { searchPath: modelSearchPath(env) });
      expect(pack.spec.id).toBe('open_single');
      expect(pack.detector.path).toBe(
        path.join(sharedModelsDir, 'opencv-zoo', 'face_detection_yunet_2023mar.onnx'),
      );
      expect(pack.recognizer.path).toBe(
        path.join(sharedModelsDir, 'mobilefacenet-paddle', 'MobileFaceNet.onnx'),
      );
      expect(pack.fused).toEqual([]);
      // open fuses foamliu's MobileFaceNet with Paddle's: a required member, found like the others.
      const open = await resolvePack('open', { searchPath: modelSearchPath(env) });
      expect(open.fused.map((m) => [m.spec.id, m.path])).toEqual([
        ['mobilefacenet-foamliu', path.join(sharedModelsDir, 'mobilefacenet-foamliu', 'MobileFaceNet.onnx')],
      ]);
      expect(pack.liveness).toHaveLength(2);
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'takes a copy from the first folder of FACEGATE_MODELS_PATH over a later one (symlinks work; needs ../shared/models)',
    async () => {
      const early = temp('order-early');
      const late = temp('order-late');
      copySharedModel(early, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      mkdirSync(path.join(late, 'mobilefacenet-paddle'), { recursive: true });
      symlinkSync(
        path.join(sharedModelsDir, 'mobilefacenet-paddle/MobileFaceNet.onnx'),
        path.join(late, 'mobilefacenet-paddle/MobileFaceNet.onnx'),
      );
      copySharedModel(late, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(early, 'mobilefacenet-foamliu/MobileFaceNet.onnx');
      const env = { ...cleanEnv(temp('order-data')), FACEGATE_MODELS_PATH: `${early}:${late}` };
      const pack = await resolvePack('open', { searchPath: modelSearchPath(env) });
      expect(pack.detector.path).toBe(path.join(early, 'opencv-zoo/face_detection_yunet_2023mar.onnx'));
      expect(pack.recognizer.path).toBe(path.join(late, 'mobilefacenet-paddle/MobileFaceNet.onnx'));
      expect(pack.fused.map((m) => m.path)).toEqual([
        path.join(early, 'mobilefacenet-foamliu/MobileFaceNet.onnx'),
      ]);
      // The liveness files are not in either folder: the pack still resolves and says so.
      expect(pack.liveness).toEqual([]);
      expect(pack.missingLiveness.map((m) => m.id)).toEqual([
        'minifasnet-v2-2.7',
        'minifasnet-v1se-4.0',
        'face-antispoof-onnx',
      ]);
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    "finds files in the user's model folder (needs ../shared/models)",
    async () => {
      const data = temp('user-data');
      copySharedModel(path.join(data, 'models'), 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(path.join(data, 'models'), 'mobilefacenet-foamliu/MobileFaceNet.onnx');
      const pack = await resolvePack('foamliu', { searchPath: modelSearchPath(cleanEnv(data)) });
      expect(pack.recognizer.path).toBe(path.join(data, 'models/mobilefacenet-foamliu/MobileFaceNet.onnx'));
      expect(pack.fused).toEqual([]);
    },
  );
});

describe('resolvePack: each failure has its own clear error', () => {
  it('an unknown pack id lists the known ones', async () => {
    const error = (await rejection(resolvePack('nonexistent-pack'))) as FaceGateError;
    expect(error).toBeInstanceOf(FaceGateError);
    expect(error.code).toBe('PACK_NOT_FOUND');
    expect(error.message).toMatch(/no model pack 'nonexistent-pack'/);
    expect(error.message).toMatch(
      /open, open_bgr, open_single, starter, insightface_mbf, buffalo_s, buffalo_l, opencv_zoo/,
    );
  });

  it('a pack with missing files names the files, the pack, the folders searched and what to do', async () => {
    const empty = temp('missing');
    const error = (await rejection(resolvePack('buffalo_l', { searchPath: [empty] }))) as FaceGateError;
    expect(error.code).toBe('PACK_NOT_FOUND');
    expect(error.message).toMatch(/Model pack 'buffalo_l' is missing 2 files/);
    expect(error.message).toContain('buffalo_l/det_10g.onnx');
    expect(error.message).toContain('buffalo_l/w600k_r50.onnx');
    expect(error.message).toContain(`Searched: ${empty}`);
    expect(error.message).toContain(
      'https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip',
    );
    expect(error.message).toContain('FACEGATE_MODELS_PATH');
  });

  it('no default pack available at all', async () => {
    const error = (await rejection(resolvePack(undefined, { searchPath: [temp('none')] }))) as FaceGateError;
    expect(error.code).toBe('PACK_NOT_FOUND');
    expect(error.message).toMatch(/No default model pack \(open_single, starter\) has all its files/);
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'a corrupted copy fails its sha256 check, naming file and both hashes (needs ../shared/models)',
    async () => {
      const root = temp('corrupt');
      const detector = copySharedModel(root, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(root, 'mobilefacenet-paddle/MobileFaceNet.onnx');
      copySharedModel(root, 'mobilefacenet-foamliu/MobileFaceNet.onnx');
      const bytes = readFileSync(detector);
      bytes[bytes.length >> 1] ^= 0xff; // same size, one byte flipped
      writeFileSync(detector, bytes);
      const actual = await sha256File(detector);
      const error = (await rejection(resolvePack('open', { searchPath: [root] }))) as FaceGateError;
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain(detector);
      expect(error.message).toContain("pack 'open'");
      expect(error.message).toContain(spec('yunet-2023mar').sha256);
      expect(error.message).toContain(actual);
      expect(error.details).toMatchObject({ expected: spec('yunet-2023mar').sha256, actual });
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'a missing fused recognizer makes the pack unavailable, named like any missing file (needs ../shared/models)',
    async () => {
      const root = temp('fused-missing');
      copySharedModel(root, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(root, 'mobilefacenet-paddle/MobileFaceNet.onnx');
      const error = (await rejection(resolvePack('open', { searchPath: [root] }))) as FaceGateError;
      expect(error.code).toBe('PACK_NOT_FOUND');
      expect(error.message).toMatch(/Model pack 'open' is missing a file: /);
      expect(error.message).toContain(
        "mobilefacenet-foamliu/MobileFaceNet.onnx (model 'mobilefacenet-foamliu')",
      );
      expect(error.message).toContain(spec('mobilefacenet-foamliu').urls[0]);
      expect(error.details).toMatchObject({ pack: 'open', missing: [{ model: 'mobilefacenet-foamliu' }] });
      // The same two files make the single-model pack, which is the default.
      expect((await resolvePack('open_single', { searchPath: [root] })).fused).toEqual([]);
      const packs = await listPacks([root, starterDir()]);
      const open = packs.find((p) => p.id === 'open');
      expect(open?.available).toBe(false);
      expect(open?.missing).toContain('mobilefacenet-foamliu/MobileFaceNet.onnx');
      expect(packs.find((p) => p.id === 'open_single')?.available).toBe(true);
      expect((await resolvePack(undefined, { searchPath: [root, starterDir()] })).spec.id).toBe(
        'open_single',
      );
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'a damaged fused recognizer fails its sha256 check (needs ../shared/models)',
    async () => {
      const root = temp('fused-corrupt');
      copySharedModel(root, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(root, 'mobilefacenet-paddle/MobileFaceNet.onnx');
      const fused = copySharedModel(root, 'mobilefacenet-foamliu/MobileFaceNet.onnx');
      const bytes = readFileSync(fused);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(fused, bytes);
      const error = (await rejection(resolvePack('open', { searchPath: [root] }))) as FaceGateError;
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain(fused);
      expect(error.message).toContain("pack 'open'");
      const verified = await verifyPacks(['open'], [root]);
      expect(verified.filter((f) => f.role === 'recognizer').map((f) => [f.model, f.status])).toEqual([
        ['mobilefacenet-paddle', 'ok'],
        ['mobilefacenet-foamliu', 'mismatch'],
      ]);
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'a truncated copy names both sizes (needs ../shared/models)',
    async () => {
      const root = temp('truncated');
      const detector = copySharedModel(root, 'opencv-zoo/face_detection_yunet_2023mar.onnx');
      copySharedModel(root, 'mobilefacenet-paddle/MobileFaceNet.onnx');
      copySharedModel(root, 'mobilefacenet-foamliu/MobileFaceNet.onnx');
      writeFileSync(detector, readFileSync(detector).subarray(0, 1000));
      const error = (await rejection(resolvePack('open', { searchPath: [root] }))) as FaceGateError;
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain('(1000 bytes instead of 232589)');
    },
  );

  it('a default pack whose file is corrupt is reported, not silently replaced by the next default', async () => {
    const root = temp('default-corrupt');
    // An "open" pack whose files exist but hold the wrong bytes.
    for (const id of ['yunet-2023mar', 'mobilefacenet-paddle', 'mobilefacenet-foamliu']) {
      const s = spec(id);
      mkdirSync(path.join(root, s.folder), { recursive: true });
      writeFileSync(path.join(root, s.folder, s.fileName), 'not a model');
    }
    const error = (await rejection(
      resolvePack(undefined, { searchPath: [root, starterDir()] }),
    )) as FaceGateError;
    expect(error.code).toBe('MODEL_CHECKSUM');
  });
});

describe('checksum cache', () => {
  it('reuses a hash while size and mtime are unchanged, and re-hashes on force', async () => {
    const file = path.join(temp('cache'), 'model.onnx');
    // Whole-second times survive utimes exactly; a replaced file keeps size and mtime here.
    writeFileSync(file, 'aaaa');
    utimesSync(file, 1_000_000, 1_000_000);
    const first = await cachedSha256(file);
    writeFileSync(file, 'bbbb');
    utimesSync(file, 1_000_000, 1_000_000);
    expect(await cachedSha256(file)).toBe(first);
    const fresh = await cachedSha256(file, { force: true });
    expect(fresh).not.toBe(first);
    expect(fresh).toBe(await sha256File(file));
    writeFileSync(file, 'ccccc'); // new size: re-hashed without force
    expect(await cachedSha256(file)).toBe(await sha256File(file));
    clearChecksumCache();
  });
});

describe('listPacks', () => {
  it('reports availability, missing files, licence summary and the default, without a model path', async () => {
    const packs = await listPacks(modelSearchPath(cleanEnv(temp('list'))));
    const byId = Object.fromEntries(packs.map((p) => [p.id, p]));
    expect(byId.starter).toMatchObject({
      available: true,
      isDefault: true,
      commercialUse: true,
      missing: [],
    });
    expect(byId.open.available).toBe(false);
    expect(byId.open.isDefault).toBe(false);
    expect(byId.open.missing).toContain('opencv-zoo/face_detection_yunet_2023mar.onnx');
    expect(byId.buffalo_l).toMatchObject({
      available: false,
      commercialUse: false,
      threshold: expect.any(Number),
    });
    expect(byId.buffalo_l.licences.join(' ')).toMatch(/non-commercial/);
    expect(byId.starter.files.find((f) => f.role === 'landmarks')?.path).toBe(
      path.join(starterDir(), 'fr_landmark.onnx'),
    );
    // A fused recognizer is a required recognizer file of its pack.
    expect(
      byId.open.files.filter((f) => f.role === 'recognizer').map((f) => [f.model.id, f.required]),
    ).toEqual([
      ['mobilefacenet-paddle', true],
      ['mobilefacenet-foamliu', true],
    ]);
    expect(byId.open.missing).toContain('mobilefacenet-foamliu/MobileFaceNet.onnx');
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'makes open_single the default when its files are present (needs ../shared/models)',
    async () => {
      const packs = await listPacks([sharedModelsDir, starterDir()]);
      expect(packs.filter((p) => p.isDefault).map((p) => p.id)).toEqual(['open_single']);
      expect(packs.find((p) => p.id === 'starter')?.available).toBe(true);
    },
  );
});

beforeAll(() => clearChecksumCache());
