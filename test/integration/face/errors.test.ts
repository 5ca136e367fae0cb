import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import { analyzeFile, FaceAnalyzer, requireMainFace } from '../../../src/core/face';
import { findModelSpec, loadCatalog, locateModel } from '../../../src/core/models';
import { writeNoFacePhoto } from '../../helpers/face-pairs';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

const ready = hasSharedModels && hasSharedFaces;

async function failure(promise: Promise<unknown>): Promise<FaceGateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceGateError);
  return error as FaceGateError;
}

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'clear, distinct errors (needs ../shared)',
  () => {
    let dir: string;
    let analyzer: FaceAnalyzer;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-face-errors-'));
      analyzer = await FaceAnalyzer.load({ pack: 'open', searchPath: [sharedModelsDir], threads: 2 });
    });
    afterAll(async () => {
      await analyzer?.release();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a photo with no face: no faces, and NO_FACE naming the file where one is required', async () => {
      const file = await writeNoFacePhoto(path.join(dir, 'wall.jpg'));
      const { result } = await analyzeFile(analyzer, file);
      expect(result.faces).toEqual([]);
      const error = await failure(Promise.resolve().then(() => requireMainFace(result, file)));
      expect(error.code).toBe('NO_FACE');
      expect(error.message).toContain('wall.jpg');
    });

    it('a corrupt or missing image: IMAGE_UNREADABLE naming the file', async () => {
      const truncated = path.join(dir, 'truncated.jpg');
      const bytes = readFileSync(path.join(facesDir, 'img18.jpg'));
      writeFileSync(truncated, bytes.subarray(0, 600));
      const corrupt = await failure(analyzeFile(analyzer, truncated));
      expect(corrupt.code).toBe('IMAGE_UNREADABLE');
      expect(corrupt.message).toContain('truncated.jpg');
      const missing = await failure(analyzeFile(analyzer, path.join(dir, 'nowhere.jpg')));
      expect(missing.code).toBe('IMAGE_UNREADABLE');
      expect(missing.message).toContain('nowhere.jpg');
    });

    it('a model file whose sha256 does not match the catalog: MODEL_CHECKSUM naming the file', async () => {
      const models = path.join(dir, 'models');
      const catalog = loadCatalog();
      for (const id of ['yunet-2023mar', 'mobilefacenet-paddle', 'mobilefacenet-foamliu']) {
        const spec = findModelSpec(catalog, id);
        const source = spec && locateModel(spec, [sharedModelsDir]);
        if (!spec || !source) throw new Error(`${id} missing from ${sharedModelsDir}`);
        mkdirSync(path.join(models, spec.folder), { recursive: true });
        copyFileSync(source, path.join(models, spec.folder, spec.fileName));
      }
      // Same size, one byte changed.
      const yunet = path.join(models, 'opencv-zoo', 'face_detection_yunet_2023mar.onnx');
      const bytes = readFileSync(yunet);
      bytes[bytes.length - 10] ^= 0xff;
      writeFileSync(yunet, bytes);
      const error = await failure(FaceAnalyzer.load({ pack: 'open', searchPath: [models] }));
      expect(error.code).toBe('MODEL_CHECKSUM');
      expect(error.message).toContain('face_detection_yunet_2023mar.onnx');
    });

    it('a pack whose files are missing, or an unknown pack: PACK_NOT_FOUND saying what to do', async () => {
      const empty = path.join(dir, 'empty');
      mkdirSync(empty);
      const missing = await failure(FaceAnalyzer.load({ pack: 'buffalo_l', searchPath: [empty] }));
      expect(missing.code).toBe('PACK_NOT_FOUND');
      expect(missing.message).toMatch(/det_10g\.onnx|w600k_r50\.onnx/);
      expect(missing.message).toContain('FACEGATE_MODELS_PATH');
      const unknown = await failure(FaceAnalyzer.load({ pack: 'no-such-pack', searchPath: [empty] }));
      expect(unknown.code).toBe('PACK_NOT_FOUND');
      expect(unknown.message).toContain('open');
    });
  },
);

describe.skipIf(skipWithout('../shared/models', hasSharedModels))(
  'bad input to analyze() (needs ../shared/models)',
  () => {
    it('refuses a frame whose pixel buffer does not match its size, without crashing', async () => {
      const analyzer = await FaceAnalyzer.load({ pack: 'open', searchPath: [sharedModelsDir], threads: 1 });
      try {
        const error = await failure(analyzer.analyze({ width: 640, height: 480, data: new Uint8Array(100) }));
        expect(error.code).toBe('INVALID_INPUT');
        expect(error.message).toContain('640x480');
        // The analyzer still works afterwards.
        expect(
          (await analyzer.analyze({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) })).faces,
        ).toEqual([]);
      } finally {
        await analyzer.release();
      }
    });
  },
);
