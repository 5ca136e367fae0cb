import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import { attachLiveness, type LivenessAvailability } from '../../../src/core/face/liveness';
import type { LivenessResult } from '../../../src/core/face/types';
import { decodeImage } from '../../../src/core/image';
import { modelSearchPath, resolvePack } from '../../../src/core/models';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedModels, sharedDir, sharedModelsDir } from '../../helpers/paths';

/**
 * The judge's context margin (issue 12): the background the MiniFASNet crops must keep around the
 * face, re-decided on ../shared/datasets/spoof-dev (docs/liveness.md "When a face cannot be judged",
 * bench/dev-liveness-rules.ts) from a tenth to a twentieth of the face for the MiniFASNet pair
 * (catalog output.minContextMargin). Real frames through the `open` pack's real models, YuNet boxes
 * (margins are the smaller of the two crops'). The starter pack's fr_liveness, where a twentieth let
 * one more replay in, keeps the tenth.
 */
const devImages = path.join(sharedDir, 'datasets', 'spoof-dev', 'images');
/** A live TrainingData selfie, margin 0.094 (its 4.0x crop clamped by the 480x640 frame): pair 0.79. */
const liveNearEdge = 'tdreal_real_621ea6f5_f0.jpg';
/** Attack frames with margins 0.062-0.091 (pair 0.01-0.07): judged now, and refused. */
const attacksNearEdge = [
  'celebsp_spoof_143.jpg',
  'celebsp_spoof_135.jpg',
  'tdrep_spoof_628befdf_f5.jpg',
  'celebsp_spoof_112.jpg',
];
/**
 * Faces cut by the frame edge (margin at or under 0): Siva walking out of the frame (pair 1.00) and a
 * replay frame that the pair would let in (margin -0.028, pair 0.69): both stay not judged.
 */
const cutByEdge = ['siva_real_Siva_f2.jpg', 'tdrep_spoof_630b66fa_f1.jpg'];
/** A phone replay the starter pack would let in (0.999) if its fr_liveness were judged at a twentieth. */
const starterNearEdge = 'doubango_spoof_spoof.jpg';
const runnable =
  hasSharedModels &&
  [liveNearEdge, ...attacksNearEdge, ...cutByEdge, starterNearEdge].every((f) =>
    existsSync(path.join(devImages, f)),
  );

describe.skipIf(skipWithout('../shared/datasets/spoof-dev and ../shared/models', runnable))(
  "the liveness judge's context margin on real frames (needs ../shared/datasets/spoof-dev)",
  () => {
    const searchPath = [sharedModelsDir, ...modelSearchPath()];
    let analyzer: FaceAnalyzer;
    let liveness: LivenessAvailability;

    const judge = async (file: string): Promise<LivenessResult> => {
      const image = await decodeImage(path.join(devImages, file));
      const result = await analyzer.analyze(image, { liveness: true, embed: false, maxFaces: 1 });
      const face = result.faces[0];
      expect(face?.liveness, `${file}: a face with liveness`).toBeDefined();
      return face?.liveness as LivenessResult;
    };

    beforeAll(async () => {
      const pack = await resolvePack('open', { searchPath });
      analyzer = await FaceAnalyzer.load({ pack: 'open', searchPath, threads: 1 });
      liveness = await attachLiveness(analyzer, pack, { threads: 1 });
    });
    afterAll(async () => {
      await analyzer?.release();
    });

    it('loads the pack’s liveness models (a test of liveness without them proves nothing)', () => {
      expect(liveness.state, liveness.message ?? '').toBe('ready');
    });

    it('judges a live face whose clamped crop keeps under a tenth of the face as background, and lets it in', async () => {
      expect(liveness.state).toBe('ready');
      const result = await judge(liveNearEdge);
      expect(result.verdict).toBe('live');
      expect(result.score).toBeGreaterThan(0.7);
    });

    it('judges the attack frames in the same margins and refuses them outright (under the unsure floor)', async () => {
      expect(liveness.state).toBe('ready');
      for (const file of attacksNearEdge) {
        const result = await judge(file);
        expect(result.verdict, file).toBe('spoof');
        expect(result.score, file).toBeLessThan(0.2);
      }
    });

    it('still does not judge a face cut by the frame edge, live or replayed', async () => {
      expect(liveness.state).toBe('ready');
      for (const file of cutByEdge) {
        const result = await judge(file);
        expect(result, file).toMatchObject({ verdict: 'cannot_judge', reason: 'face_at_edge', score: 0 });
      }
    });

    it("keeps the starter pack's fr_liveness at a tenth: a replay with less background is not judged", async () => {
      const starterPack = await resolvePack('starter', { searchPath });
      const starter = await FaceAnalyzer.load({ pack: 'starter', searchPath, threads: 1 });
      try {
        const availability = await attachLiveness(starter, starterPack, { threads: 1 });
        expect(availability.state, availability.message ?? '').toBe('ready');
        const image = await decodeImage(path.join(devImages, starterNearEdge));
        const result = await starter.analyze(image, { liveness: true, embed: false, maxFaces: 1 });
        expect(result.faces[0]?.liveness).toMatchObject({ verdict: 'cannot_judge', score: 0 });
      } finally {
        await starter.release();
      }
    });
  },
);
