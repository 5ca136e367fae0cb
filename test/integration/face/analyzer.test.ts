import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  FaceAnalyzer,
  mainFaceScore,
  type AnalyzeResult,
  type PipelineStage,
} from '../../../src/core/face';
import { decodeImage } from '../../../src/core/image';
import type { RgbImage } from '../../../src/core/image/types';
import { listPacks } from '../../../src/core/models';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;
const packs = ready ? (await listPacks()).filter((p) => p.available).map((p) => p) : [];

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'FaceAnalyzer on real photos (needs ../shared/models and ../shared/faces)',
  () => {
    let group: RgbImage;
    let single: RgbImage;
    let other: RgbImage;

    beforeAll(async () => {
      group = await decodeImage(path.join(facesDir, 'group', 'selfie-many-people.jpg'));
      single = await decodeImage(path.join(facesDir, 'img18.jpg'));
      other = await decodeImage(path.join(facesDir, 'img22.jpg'));
    });

    it('has the open and starter packs here', () => {
      expect(packs.map((p) => p.id)).toEqual(expect.arrayContaining(['open', 'starter']));
    });

    describe.each(packs.map((p) => [p.id, p] as const))('pack %s', (id, status) => {
      let analyzer: FaceAnalyzer;
      beforeAll(async () => {
        analyzer = await FaceAnalyzer.load({ pack: id, threads: 2 });
      });
      afterAll(async () => analyzer?.release());

      it('describes itself: models, provider, embedding size, measured threshold', () => {
        const { info } = analyzer;
        expect(info.pack).toBe(id);
        expect(info.threshold).toBe(status.threshold);
        expect(info.thresholdEvidence).toMatch(/Gaussian/);
        const recognizers = status.files.filter((f) => f.role === 'recognizer').map((f) => f.model.id);
        expect(info.models.map((m) => m.role)).toEqual([
          'detector',
          ...(status.files.some((f) => f.role === 'landmarks') ? ['landmarks'] : []),
          ...recognizers.map(() => 'recognizer'),
        ]);
        expect(info.models.every((m) => m.provider === 'cpu' && /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
        // One model: 128 or 512 values; a fused pack: the sum of its models' sizes.
        expect([128, 256, 512, 640]).toContain(info.embeddingSize);
        expect(info.recognizer).toMatchObject({
          id: recognizers.join('+'),
          embeddingSize: info.embeddingSize,
        });
        expect(info.recognizer.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(info.commercialUse).toBe(status.commercialUse);
      });

      it('returns every face main face first, each with an L2-normalised embedding of its aligned crop', async () => {
        const result = await analyzer.analyze(group);
        expect(result.faces.length).toBeGreaterThanOrEqual(4);
        const scores = result.faces.map((f) => mainFaceScore(f.box, group.width, group.height));
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        for (const face of result.faces) {
          expect(face.embedding).toHaveLength(analyzer.info.embeddingSize);
          expect(norm(face.embedding as Float32Array)).toBeCloseTo(1, 4);
          expect(face.aligned).toMatchObject({ width: 112, height: 112 });
        }
        const { timings } = result;
        expect(timings.liveness).toBe(0);
        expect(timings.total).toBeGreaterThanOrEqual(timings.detect + timings.align + timings.embed - 0.01);
      });

      it('honours maxFaces, minFaceSize and embed', async () => {
        const two = await analyzer.analyze(group, { maxFaces: 2 });
        expect(two.faces).toHaveLength(2);
        const mainOnly = await analyzer.analyze(group, { embed: 'main' });
        expect(mainOnly.faces[0].embedding).toBeDefined();
        expect(mainOnly.faces.slice(1).every((f) => !f.embedding && !f.aligned)).toBe(true);
        const none = await analyzer.analyze(group, { embed: false });
        expect(none.faces.every((f) => !f.embedding)).toBe(true);
        const large = await analyzer.analyze(group, { minFaceSize: 110 });
        expect(large.faces.length).toBeGreaterThan(0);
        expect(large.faces.length).toBeLessThan(none.faces.length);
        for (const f of large.faces)
          expect(Math.min(f.box.x2 - f.box.x1, f.box.y2 - f.box.y1)).toBeGreaterThanOrEqual(110);
      });

      it('re-embeds a stored aligned crop to the same embedding', async () => {
        const [face] = (await analyzer.analyze(single, { embed: 'main' })).faces;
        const again = await analyzer.embedAligned(face.aligned as RgbImage);
        expect(cosineSimilarity(again, face.embedding as Float32Array)).toBeGreaterThan(0.9999);
      });

      it('queues concurrent calls: results equal those of one call at a time', async () => {
        const images = [single, group, other, single, other];
        const sequential: AnalyzeResult[] = [];
        for (const image of images) sequential.push(await analyzer.analyze(image, { embed: 'main' }));
        const concurrent = await Promise.all(
          images.map((image) => analyzer.analyze(image, { embed: 'main' })),
        );
        concurrent.forEach((result, i) => {
          expect(result.faces.length).toBe(sequential[i].faces.length);
          const a = result.faces[0].embedding as Float32Array;
          const b = sequential[i].faces[0].embedding as Float32Array;
          expect(cosineSimilarity(a, b)).toBeGreaterThan(0.9999);
        });
      });
    });

    it('runs an added stage (the liveness hook) in order, timed under its name', async () => {
      const analyzer = await FaceAnalyzer.load({ pack: 'open', threads: 2 });
      try {
        const seen: string[] = [];
        const stage: PipelineStage = {
          name: 'liveness',
          run: async (context) => {
            seen.push(
              `aligned=${context.faces.every((f) => f.aligned)} embedded=${context.faces.some((f) => f.embedding)}`,
            );
            if (context.options.liveness) {
              for (const face of context.faces)
                face.liveness = { score: 1, verdict: 'live', models: ['test'] };
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
          },
        };
        analyzer.addStage(stage, 'align');
        const result = await analyzer.analyze(single, { liveness: true });
        expect(seen).toEqual(['aligned=true embedded=false']);
        expect(result.faces[0].liveness?.verdict).toBe('live');
        expect(result.timings.liveness).toBeGreaterThanOrEqual(15);
      } finally {
        await analyzer.release();
      }
    });

    it('falls back to the CPU when CUDA is not available, and says so', async () => {
      const analyzer = await FaceAnalyzer.load({ pack: 'starter', providers: ['cuda', 'cpu'], threads: 1 });
      try {
        expect(analyzer.info.models.every((m) => m.provider === 'cpu')).toBe(true);
        expect((await analyzer.analyze(single)).faces).toHaveLength(1);
      } finally {
        await analyzer.release();
      }
    });
  },
);
