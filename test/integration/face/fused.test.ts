import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArcFaceEmbedder,
  cosineSimilarity,
  FaceAnalyzer,
  FusedEmbedder,
  requireMainFace,
} from '../../../src/core/face';
import { FaceGateError } from '../../../src/core/errors';
import { recognizerOf } from '../../../src/core/gallery/face-engine';
import { decodeImage } from '../../../src/core/image';
import type { RgbImage } from '../../../src/core/image/types';
import {
  createModelSession,
  loadCatalog,
  resolvePack,
  type ModelSession,
  type ModelSpec,
} from '../../../src/core/models';
import { packRecognizerIdentity } from '../../../src/core/models/catalog';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;
/** The catalog pack that fuses Paddle's MobileFaceNet with foamliu's. */
const fusedPack = 'open';
const singlePack = 'open_single';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'fused recognizers on real photos (needs ../shared/models and ../shared/faces)',
  () => {
    let analyzer: FaceAnalyzer;
    /** Aligned crops of two photos of different people and one more of the first person. */
    let crops: RgbImage[];
    let fused: Float32Array[];
    const sessions: ModelSession[] = [];
    /** Each fused model alone, in catalog order, fed as the catalog says. */
    let members: ArcFaceEmbedder[];
    let specs: ModelSpec[];

    beforeAll(async () => {
      analyzer = await FaceAnalyzer.load({ pack: fusedPack, threads: 2 });
      crops = [];
      fused = [];
      for (const file of ['img1.jpg', 'img13.jpg', 'img2.jpg']) {
        const result = await analyzer.analyze(await decodeImage(path.join(facesDir, file)), {
          embed: 'main',
        });
        const face = requireMainFace(result, file);
        crops.push(face.aligned as RgbImage);
        fused.push(face.embedding);
      }
      const pack = await resolvePack(fusedPack);
      members = [];
      specs = [pack.recognizer, ...pack.fused].map((m) => m.spec);
      for (const model of [pack.recognizer, ...pack.fused]) {
        const session = await createModelSession(model.path, { intraOpNumThreads: 2 });
        sessions.push(session);
        members.push(new ArcFaceEmbedder(session, model.spec));
      }
    }, 120_000);
    afterAll(async () => {
      await analyzer?.release();
      for (const session of sessions) await session.release();
    });

    it('resolves the pack with its fused model, sha256-checked, from ../shared/models', async () => {
      const pack = await resolvePack(fusedPack);
      expect(pack.recognizer.spec.id).toBe('mobilefacenet-paddle');
      expect(pack.fused.map((m) => m.spec.id)).toEqual(['mobilefacenet-foamliu']);
      expect(pack.fused[0].path).toBe(
        path.join(sharedModelsDir, 'mobilefacenet-foamliu', 'MobileFaceNet.onnx'),
      );
    });

    it('describes itself as one fused recognizer, each model listed as a recognizer', () => {
      const { info } = analyzer;
      const pack = loadCatalog().packs.find((p) => p.id === fusedPack)!;
      expect(info.models.filter((m) => m.role === 'recognizer').map((m) => m.id)).toEqual([
        'mobilefacenet-paddle',
        'mobilefacenet-foamliu',
      ]);
      expect(info.recognizer).toEqual({ ...packRecognizerIdentity(loadCatalog(), pack), embeddingSize: 256 });
      expect(info.recognizer.id).toBe('mobilefacenet-paddle+mobilefacenet-foamliu');
      expect(info.embeddingSize).toBe(256);
      expect(recognizerOf(analyzer)).toEqual({
        modelId: info.recognizer.id,
        modelSha256: info.recognizer.sha256,
      });
    });

    it("embeds 256 values, L2-normalised, whose cosine is the mean of the two models' cosines", async () => {
      const alone = await Promise.all(members.map((m) => m.embed(crops)));
      for (const embedding of fused) {
        expect(embedding).toHaveLength(256);
        expect(norm(embedding)).toBeCloseTo(1, 5);
      }
      for (const [a, b] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ]) {
        const mean =
          (cosineSimilarity(alone[0][a], alone[0][b]) + cosineSimilarity(alone[1][a], alone[1][b])) / 2;
        expect(Math.abs(cosineSimilarity(fused[a], fused[b]) - mean)).toBeLessThan(1e-5);
      }
      // The same person scores well above two different people, and the models do disagree a little.
      expect(cosineSimilarity(fused[0], fused[2])).toBeGreaterThan(
        cosineSimilarity(fused[0], fused[1]) + 0.3,
      );
      expect(cosineSimilarity(alone[0][0], alone[0][2])).not.toBeCloseTo(
        cosineSimilarity(alone[1][0], alone[1][2]),
        3,
      );
    });

    it('re-embeds a stored aligned crop to the same fused embedding', async () => {
      const again = await analyzer.embedAligned(crops[0]);
      expect(again).toHaveLength(256);
      expect(cosineSimilarity(again, fused[0])).toBeGreaterThan(0.9999);
    });

    it('flip augmentation applies to every model of the fused recognizer', async () => {
      const flipped = await FaceAnalyzer.load({ pack: fusedPack, threads: 2, flipAugment: true });
      try {
        const embedding = await flipped.embedAligned(crops[0]);
        const flipMembers = specs.map(
          (spec, i) => new ArcFaceEmbedder(sessions[i], spec, { flipAugment: true }),
        );
        const parts = await Promise.all(flipMembers.map((m) => m.embed([crops[0]])));
        const halves = [embedding.slice(0, 128), embedding.slice(128)];
        halves.forEach((half, i) => {
          const unit = half.map((v) => v / norm(half));
          expect(cosineSimilarity(unit, parts[i][0])).toBeGreaterThan(0.9999);
        });
        // Without flipping, each half differs from the flip-averaged one.
        expect(cosineSimilarity(embedding, fused[0])).toBeLessThan(0.9999);
      } finally {
        await flipped.release();
      }
    });

    it('keeps the single-model pack apart: another recognizer id and hash, 128 values', async () => {
      const single = await FaceAnalyzer.load({ pack: singlePack, threads: 2 });
      try {
        expect(single.info.recognizer.id).toBe('mobilefacenet-paddle');
        expect(single.info.recognizer.sha256).toBe(loadSpec('mobilefacenet-paddle').sha256);
        expect(single.info.embeddingSize).toBe(128);
        expect(single.info.recognizer.sha256).not.toBe(analyzer.info.recognizer.sha256);
        // The fused embedding's first half is the single model's embedding, scaled by 1/sqrt(2).
        const embedding = await single.embedAligned(crops[0]);
        expect(
          cosineSimilarity(
            embedding,
            fused[0].slice(0, 128).map((v) => v * Math.SQRT2),
          ),
        ).toBeGreaterThan(0.9999);
      } finally {
        await single.release();
      }
    });

    it('refuses to fuse models that take crops of different sizes', () => {
      const small = Object.create(members[1], { inputSize: { value: 96 } }) as ArcFaceEmbedder;
      expect(() => new FusedEmbedder([members[0], small])).toThrow(FaceGateError);
      expect(() => new FusedEmbedder([members[0], small])).toThrow(/same aligned crop/);
      expect(() => new FusedEmbedder([members[0]])).toThrow(/two models or more/);
    });
  },
);

function loadSpec(id: string) {
  const spec = loadCatalog().models.find((m) => m.id === id);
  if (!spec) throw new Error(`no model ${id} in the catalog`);
  return spec;
}
