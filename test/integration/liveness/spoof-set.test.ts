import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import {
  attachLiveness,
  parseLivenessLabels,
  type LivenessAvailability,
} from '../../../src/core/face/liveness';
import type { AnalyzedFace } from '../../../src/core/face/types';
import { createRgbImage, cropImage, decodeImage, resizeBilinear } from '../../../src/core/image';
import type { RgbImage } from '../../../src/core/image/types';
import { modelSearchPath, resolvePack } from '../../../src/core/models';
import { hasSharedFaces, hasSharedModels, sharedModelsDir, spoofDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * The shared presentation-attack samples (minivision Silent-Face images/sample: 2 prints, 2 tablet
 * replays, 3 live captures, several stored sideways with an EXIF orientation) through the real
 * pipeline of each pack with liveness, at the pack's default threshold.
 */

/**
 * A live capture that the starter's model rejects, as does upstream's own pipeline with its own
 * detector (FakeFace 0.91): a backlit, beauty-filtered phone selfie against a bright window,
 * which upstream removed from its samples. The open pack accepts it since its MiniFASNet crop is
 * upstream's crop on raw YuNet boxes (issue 12; it rejected it with the old box adapters). Kept
 * as a documented false rejection (docs/liveness.md), asserted so the documentation stays true.
 */
const knownFalseRejectionsOf: Record<string, Set<string>> = {
  open: new Set(),
  starter: new Set(['sfas_c3e2048_image_T2.jpg']),
};

const labels = hasSharedFaces
  ? parseLivenessLabels(readFileSync(path.join(spoofDir, 'labels.csv'), 'utf8'))
  : [];

const packs = [
  { id: 'open', needsSharedModels: true },
  { id: 'starter', needsSharedModels: false },
];

for (const { id, needsSharedModels } of packs) {
  const runnable = hasSharedFaces && (!needsSharedModels || hasSharedModels);
  describe.skipIf(
    skipWithout(needsSharedModels ? '../shared/faces and ../shared/models' : '../shared/faces', runnable),
  )(`pack '${id}' on ../shared/faces/spoof (needs ../shared/faces and models)`, () => {
    let analyzer: FaceAnalyzer;
    let liveness: LivenessAvailability;
    const knownFalseRejections = knownFalseRejectionsOf[id] ?? new Set<string>();
    const faces = new Map<string, AnalyzedFace | undefined>();

    const mainFace = async (image: RgbImage) =>
      (await analyzer.analyze(image, { liveness: true, embed: false, maxFaces: 1 })).faces[0];

    beforeAll(async () => {
      const searchPath = [sharedModelsDir, ...modelSearchPath()];
      const pack = await resolvePack(id, { searchPath });
      analyzer = await FaceAnalyzer.load({ pack: id, searchPath, threads: 1 });
      liveness = await attachLiveness(analyzer, pack);
      for (const label of labels)
        faces.set(label.file, await mainFace(await decodeImage(path.join(spoofDir, label.file))));
    });
    afterAll(async () => {
      await analyzer?.release();
    });

    it('loads its liveness models and the threshold measured for the pack', () => {
      expect(liveness.state).toBe('ready');
      expect(liveness.models.length).toBeGreaterThan(0);
      expect(liveness.threshold).toBeGreaterThan(0);
      expect(liveness.threshold).toBeLessThan(1);
    });

    it('finds one face in every sample, upright or stored sideways with an EXIF orientation', () => {
      for (const label of labels) expect(faces.get(label.file), label.file).toBeDefined();
    });

    it('gives every face a score in [0, 1], its verdict and the models used', () => {
      for (const [file, face] of faces) {
        const result = face?.liveness;
        expect(result, file).toBeDefined();
        expect(result?.score).toBeGreaterThanOrEqual(0);
        expect(result?.score).toBeLessThanOrEqual(1);
        expect(result?.models).toEqual(liveness.models);
        expect(['live', 'spoof', 'cannot_judge']).toContain(result?.verdict);
      }
    });

    it('rejects every attack (printed photos and tablet replays)', () => {
      const attacks = labels.filter((l) => l.label === 'spoof');
      expect(attacks).toHaveLength(4);
      for (const attack of attacks) {
        const result = faces.get(attack.file)?.liveness;
        expect(result?.verdict, `${attack.file} (${attack.attackType}) scored ${result?.score}`).not.toBe(
          'live',
        );
      }
    });

    it('accepts every live capture except the documented false rejection', () => {
      for (const real of labels.filter((l) => l.label === 'real' && !knownFalseRejections.has(l.file))) {
        const result = faces.get(real.file)?.liveness;
        expect(result?.verdict, `${real.file} scored ${result?.score}`).toBe('live');
      }
    });

    it('still rejects the documented false rejection (update docs/liveness.md if this changes)', () => {
      for (const file of knownFalseRejections) expect(faces.get(file)?.liveness?.verdict).toBe('spoof');
    });

    it('says cannot_judge, never live, for a live face cut by the frame edge', async () => {
      const image = await decodeImage(path.join(spoofDir, 'sfas_c3e2048_image_T1.jpg'));
      const box = faces.get('sfas_c3e2048_image_T1.jpg')?.box;
      expect(box).toBeDefined();
      // Keep the frame from a quarter of the way into the face to the right edge.
      const left = Math.round((box?.x1 ?? 0) + ((box?.x2 ?? 0) - (box?.x1 ?? 0)) / 4);
      const face = await mainFace(cropImage(image, left, 0, image.width - left, image.height));
      expect(face, 'the cut face is still detected').toBeDefined();
      expect(face?.liveness).toMatchObject({ verdict: 'cannot_judge', reason: 'face_at_edge', score: 0 });
    });

    it('says cannot_judge for a face too small for the model input', async () => {
      // The live capture shrunk 14 times (face about 17 px) in the middle of a 320x240 frame.
      const image = await decodeImage(path.join(spoofDir, 'sfas_b6d5f04_image_T1.jpg'));
      const small = resizeBilinear(image, 34, 46);
      const frame = createRgbImage(320, 240);
      for (let y = 0; y < small.height; y++) {
        frame.data.set(
          small.data.subarray(y * small.width * 3, (y + 1) * small.width * 3),
          ((97 + y) * 320 + 143) * 3,
        );
      }
      const face = await mainFace(frame);
      expect(face, 'the small face is still detected').toBeDefined();
      expect(face?.liveness).toMatchObject({ verdict: 'cannot_judge', reason: 'face_too_small' });
    });

    it('leaves faces without liveness when analyze() is not asked for it', async () => {
      const image = await decodeImage(path.join(spoofDir, 'sfas_b6d5f04_image_F1.jpg'));
      const result = await analyzer.analyze(image, { embed: false, maxFaces: 1 });
      expect(result.faces[0].liveness).toBeUndefined();
    });
  });
}
