import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import { createHash } from 'node:crypto';
import { cachedSha256, loadCatalog, parseCatalog, type Catalog } from '../../../src/core/models';
import { packRecognizerIdentity, recognizerIdentity } from '../../../src/core/models/catalog';
import { hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { starterDir } from './helpers';
import { skipWithout } from '../../helpers/fixtures';

const catalog = loadCatalog();
const byId = (id: string) => catalog.models.find((m) => m.id === id);

function clone(): Catalog {
  return structuredClone(catalog);
}

function parseError(json: unknown): FaceGateError {
  try {
    parseCatalog(json, 'test-catalog.json');
  } catch (error) {
    expect(error).toBeInstanceOf(FaceGateError);
    return error as FaceGateError;
  }
  throw new Error('expected parseCatalog to throw');
}

describe('resources/models/catalog.json', () => {
  it('has the required packs, open_single (chosen on the dev sets) first among the defaults', () => {
    expect(catalog.packs.map((p) => p.id)).toEqual(
      expect.arrayContaining(['starter', 'open', 'buffalo_s', 'buffalo_l', 'opencv_zoo']),
    );
    expect(catalog.defaultPacks).toEqual(['open_single', 'starter']);
  });

  it('pairs the documented models in each pack', () => {
    const pack = (id: string) => catalog.packs.find((p) => p.id === id);
    expect(pack('open')).toMatchObject({ detector: 'yunet-2023mar', recognizer: 'mobilefacenet-paddle' });
    expect(pack('open')?.liveness).toEqual(['minifasnet-v2-2.7', 'minifasnet-v1se-4.0']);
    expect(pack('starter')).toMatchObject({
      detector: 'ultraface-rfb-320',
      recognizer: 'faceplugin-arcface-512',
      landmarks: 'faceplugin-landmark68',
      liveness: ['faceplugin-liveness'],
    });
    expect(pack('buffalo_s')).toMatchObject({ detector: 'scrfd-500m', recognizer: 'w600k-mbf' });
    expect(pack('buffalo_l')).toMatchObject({ detector: 'scrfd-10g', recognizer: 'w600k-r50' });
    expect(pack('opencv_zoo')).toMatchObject({ detector: 'yunet-2023mar', recognizer: 'sface-2021dec' });
  });

  it('marks InsightFace models non-commercial and never makes their packs a default', () => {
    for (const id of [
      'scrfd-500m',
      'scrfd-10g',
      'w600k-mbf',
      'w600k-mbf-deq',
      'w600k-r50',
      'landmark-2d106',
      'genderage',
    ]) {
      expect(byId(id)?.licence.commercialUse, id).toBe(false);
    }
    expect(catalog.defaultPacks).not.toContain('buffalo_s');
    expect(catalog.defaultPacks).not.toContain('buffalo_l');
    expect(catalog.defaultPacks).not.toContain('insightface_mbf');
    expect(byId('yunet-2023mar')?.licence.name).toBe('MIT');
    expect(byId('sface-2021dec')?.licence.name).toBe('Apache-2.0');
  });

  it('records the preprocessing MODELS.md gives for the staged models', () => {
    expect(byId('scrfd-500m')?.input).toMatchObject({
      channelOrder: 'rgb',
      mean: [127.5, 127.5, 127.5],
      std: [128, 128, 128],
      dynamicSize: true,
    });
    expect(byId('scrfd-500m')?.output).toMatchObject({
      strides: [8, 16, 32],
      anchorsPerCell: 2,
      keypoints: true,
    });
    expect(byId('yunet-2023mar')?.input).toMatchObject({
      channelOrder: 'bgr',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    });
    expect(byId('minifasnet-v2-2.7')?.output).toMatchObject({ cropScale: 2.7, liveClass: 1 });
    expect(byId('minifasnet-v1se-4.0')?.output).toMatchObject({ cropScale: 4, liveClass: 1 });
    expect(byId('mobilefacenet-paddle')?.input).toMatchObject({
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
    });
    expect(byId('faceplugin-landmark68')?.input).toMatchObject({
      channelOrder: 'grey',
      width: 64,
      height: 64,
    });
    for (const model of catalog.models) expect(model.evidence, model.id).toBeTruthy();
  });

  it("lists the starter files with the npm package's real sizes and sha256", async () => {
    const dir = starterDir();
    for (const model of catalog.models.filter((m) => m.folder === 'starter')) {
      const file = path.join(dir, model.fileName);
      expect(statSync(file).size, model.id).toBe(model.bytes);
      expect(await cachedSha256(file), model.id).toBe(model.sha256);
    }
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'lists the staged ../shared/models files with their real sizes and sha256',
    async () => {
      let checked = 0;
      for (const model of catalog.models) {
        const file = path.join(sharedModelsDir, model.folder, model.fileName);
        if (!existsSync(file)) continue;
        expect(statSync(file).size, model.id).toBe(model.bytes);
        expect(await cachedSha256(file), model.id).toBe(model.sha256);
        checked++;
      }
      expect(checked).toBe(8); // seven staged before issue 12's second liveness model, and face-antispoof-onnx
    },
  );
});

describe('parseCatalog: an invalid catalog is a clear error naming the file', () => {
  it('a schema violation', () => {
    const bad = clone() as unknown as { models: { sha256: string }[] };
    bad.models[0].sha256 = 'not-a-hash';
    const error = parseError(bad);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toMatch(/test-catalog\.json is invalid/);
    expect(error.message).toMatch(/sha256/);
  });

  it('a duplicate model id', () => {
    const bad = clone();
    bad.models.push({ ...bad.models[0] });
    expect(parseError(bad).message).toMatch(/model id '.+' appears twice/);
  });

  it('a pack slot naming an unknown model or a model of the wrong task', () => {
    const unknown = clone();
    unknown.packs[0].recognizer = 'no-such-model';
    expect(parseError(unknown).message).toMatch(/names recognizer 'no-such-model', which is not in "models"/);
    const wrongTask = clone();
    wrongTask.packs[0].recognizer = wrongTask.packs[0].detector;
    expect(parseError(wrongTask).message).toMatch(/a detection model\) as its recognizer/);
  });

  it('a default pack that does not exist', () => {
    const bad = clone();
    bad.defaultPacks = ['ghost'];
    expect(parseError(bad).message).toMatch(/defaultPacks names 'ghost'/);
  });
});

describe('parseCatalog: fused recognizers', () => {
  /** A copy of the catalog whose 'foamliu' pack fuses the given models. */
  function fusing(...ids: string[]): Catalog {
    const copy = clone();
    const pack = copy.packs.find((p) => p.id === 'foamliu')!;
    pack.fuse = ids;
    return copy;
  }

  it('defaults "fuse" to none', () => {
    const copy = clone() as unknown as { packs: Record<string, unknown>[] };
    delete copy.packs[0].fuse;
    expect(parseCatalog(copy).packs[0].fuse).toEqual([]);
  });

  it('accepts a recognition model of the same input size', () => {
    const parsed = parseCatalog(fusing('mobilefacenet-paddle'));
    expect(parsed.packs.find((p) => p.id === 'foamliu')?.fuse).toEqual(['mobilefacenet-paddle']);
  });

  it('refuses an unknown model, a model of another task, one of another size, and a model named twice', () => {
    expect(parseError(fusing('no-such-model')).message).toMatch(
      /pack 'foamliu' fuses 'no-such-model', which is not in "models"/,
    );
    expect(parseError(fusing('yunet-2023mar')).message).toMatch(
      /pack 'foamliu' fuses 'yunet-2023mar', a detection model: "fuse" lists recognition models only/,
    );
    const otherSize = fusing('mobilefacenet-paddle');
    // Only the pack under test, so no other pack trips over the resized model first.
    otherSize.packs = otherSize.packs.filter((p) => p.id === 'foamliu');
    otherSize.defaultPacks = ['foamliu'];
    const paddle = otherSize.models.find((m) => m.id === 'mobilefacenet-paddle')!;
    paddle.input = { ...paddle.input, width: 128, height: 128 };
    const sizeError = parseError(otherSize);
    expect(sizeError.code).toBe('MODEL_LOAD');
    expect(sizeError.message).toMatch(/test-catalog\.json is invalid/);
    expect(sizeError.message).toMatch(
      /fuses 'mobilefacenet-paddle' \(128x128 input\) with 'mobilefacenet-foamliu' \(112x112\).*input sizes must match/,
    );
    expect(parseError(fusing('mobilefacenet-foamliu')).message).toMatch(
      /names recognizer 'mobilefacenet-foamliu' twice/,
    );
    expect(parseError(fusing('mobilefacenet-paddle', 'mobilefacenet-paddle')).message).toMatch(
      /names recognizer 'mobilefacenet-paddle' twice/,
    );
  });
});

describe('recognizerIdentity', () => {
  const paddle = byId('mobilefacenet-paddle')!;
  const foamliu = byId('mobilefacenet-foamliu')!;

  it("is the model itself for one model, and the ids joined with '+' and a hash of the hashes for fused ones", () => {
    expect(recognizerIdentity([paddle])).toEqual({ id: paddle.id, sha256: paddle.sha256 });
    const fused = recognizerIdentity([paddle, foamliu]);
    expect(fused.id).toBe('mobilefacenet-paddle+mobilefacenet-foamliu');
    expect(fused.sha256).toBe(
      createHash('sha256').update(`${paddle.sha256}+${foamliu.sha256}`).digest('hex'),
    );
    // Order matters: the main recognizer comes first, and another order is another recognizer.
    expect(recognizerIdentity([foamliu, paddle]).sha256).not.toBe(fused.sha256);
  });

  it('of a catalog pack: its recognizer and the fused ones, as the analyzer reports them', () => {
    for (const pack of catalog.packs) {
      const expected = recognizerIdentity([pack.recognizer, ...pack.fuse].map((id) => byId(id)!));
      expect(packRecognizerIdentity(catalog, pack), pack.id).toEqual(expected);
    }
  });
});
