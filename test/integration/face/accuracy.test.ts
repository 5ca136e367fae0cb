import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity, FaceAnalyzer, requireMainFace } from '../../../src/core/face';
import {
  accuracyAt,
  bestThreshold,
  rocAuc,
  type ScoredPair,
} from '../../../src/core/face/evaluation/metrics';
import { decodeImage } from '../../../src/core/image';
import { listPacks } from '../../../src/core/models';
import { hasSharedFaces, hasSharedModels, identityPhotos, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;
const packs = ready ? (await listPacks()).filter((p) => p.available).map((p) => p.id) : [];

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'verification accuracy on ../shared/faces, every pack here (needs ../shared)',
  () => {
    it('tests at least the open and starter packs', () => {
      expect(packs).toEqual(expect.arrayContaining(['open', 'starter']));
    });

    describe.each(packs)('pack %s', (pack) => {
      let analyzer: FaceAnalyzer;
      const pairs: ScoredPair[] = [];

      beforeAll(async () => {
        analyzer = await FaceAnalyzer.load({ pack, threads: 2 });
        // Single-person photos of known people, without 'unknown' and the mirrored copy of img11.
        const photos = identityPhotos();
        const embeddings: Float32Array[] = [];
        for (const photo of photos) {
          const result = await analyzer.analyze(await decodeImage(photo.path), { embed: 'main' });
          embeddings.push(requireMainFace(result, photo.file).embedding);
        }
        for (let i = 0; i < photos.length; i++)
          for (let j = i + 1; j < photos.length; j++)
            pairs.push({
              score: cosineSimilarity(embeddings[i], embeddings[j]),
              same: photos[i].identity === photos[j].identity,
            });
      }, 300_000);
      afterAll(async () => analyzer?.release());

      it('scores every same-person and different-person pair', () => {
        expect(pairs.filter((p) => p.same).length).toBeGreaterThanOrEqual(140);
        expect(pairs.filter((p) => !p.same).length).toBeGreaterThanOrEqual(1690);
      });

      it('separates same from different people: AUC >= 0.995, best-threshold accuracy >= 98 %', () => {
        expect(rocAuc(pairs)).toBeGreaterThanOrEqual(0.995);
        expect(bestThreshold(pairs).accuracy).toBeGreaterThanOrEqual(0.98);
      });

      it("decides >= 98 % of the pairs right at the pack's own measured threshold", () => {
        expect(accuracyAt(pairs, analyzer.info.threshold)).toBeGreaterThanOrEqual(0.98);
      });
    });
  },
);
