import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/core/access';
import type { PolicyDecision } from '../../../src/shared/access';
import { FaceAnalyzer } from '../../../src/core/face';
import { attachLiveness, loadPackLiveness, type LivenessAvailability } from '../../../src/core/face/liveness';
import type { LivenessResult } from '../../../src/core/face/types';
import { decodeImage } from '../../../src/core/image';
import { modelSearchPath, resolvePack, type ResolvedPack } from '../../../src/core/models';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedModels, sharedDir, sharedModelsDir } from '../../helpers/paths';

/**
 * The `open` pack's stream second opinion (face-antispoof-onnx, issue 12) on real frames of
 * ../shared/datasets/spoof-dev: the Zalo challenge replay of a person in a surgical mask, shown on a
 * phone. The MiniFASNet pair scores its frames 0.89, 0.30, 0.71, 0.84 (lower median of the first
 * three 0.71: let in); face-antispoof-onnx scores them under 0.001. The policy asks for the second
 * opinion on three frames of the track, so the frames are shown again as the door would see them.
 */
const devImages = path.join(sharedDir, 'datasets', 'spoof-dev', 'images');
const zalo = (i: number) => `zalo_spoof_1_f${i}.jpg`;
const replay = [0, 1, 2, 3, 0, 2].map(zalo);
/** A live person (Apfol real2): pair 1.00, second opinion 0.28, 0.12, 0.35 (lower median 0.28). */
const apfol = [0, 1, 2, 0, 1, 2].map((i) => `apf_real_real2_f${i}.jpg`);
/** A phone replay (Ashish fake3): pair 0.73, 0.51, 0.24 (lower median 0.51: let in), second 0.45, 0.05, 0.09. */
const ashish = [0, 1, 2, 0, 1, 2].map((i) => `ash_spoof_fake3_f${i}.jpg`);
const runnable =
  hasSharedModels && [...replay, ...apfol, ...ashish].every((f) => existsSync(path.join(devImages, f)));

const ALICE = 1;

describe.skipIf(skipWithout('../shared/datasets/spoof-dev and ../shared/models', runnable))(
  "the open pack's liveness second opinion on a replay the pair lets in (needs ../shared/datasets/spoof-dev)",
  () => {
    const searchPath = [sharedModelsDir, ...modelSearchPath()];
    let analyzer: FaceAnalyzer;
    let liveness: LivenessAvailability;
    let pack: ResolvedPack;

    /** The replay frame's main face, as the frame pipeline gets it (second opinion when asked). */
    const judge = async (file: string, secondOpinion: boolean): Promise<LivenessResult> => {
      const image = await decodeImage(path.join(devImages, file));
      const result = await analyzer.analyze(image, {
        liveness: true,
        secondOpinion,
        embed: false,
        maxFaces: 1,
      });
      const face = result.faces[0];
      expect(face?.liveness, `${file}: a face with liveness`).toBeDefined();
      return face?.liveness as LivenessResult;
    };

    /** The replay, frame by frame, through the access policy as the enrolled person ALICE. */
    const present = async (
      secondOpinionThreshold: number | null,
      frames: readonly string[] = replay,
    ): Promise<PolicyDecision[]> => {
      let t = 1_000_000;
      const policy = new AccessPolicy(
        {
          livenessAvailable: true,
          livenessThreshold: liveness.threshold ?? 0.5,
          stepUp: 'when_unsure',
          secondOpinionThreshold,
        },
        () => ({ active: true, allowed: true }),
        { now: () => t },
      );
      const decisions: PolicyDecision[] = [];
      for (const file of frames) {
        t += 100;
        const frameLiveness = await judge(file, policy.wantsSecondOpinion);
        decisions.push(
          policy.observe({ faces: [{ personId: ALICE, similarity: 0.8, liveness: frameLiveness }] }),
        );
      }
      return decisions;
    };

    beforeAll(async () => {
      pack = await resolvePack('open', { searchPath });
      analyzer = await FaceAnalyzer.load({ pack: 'open', searchPath, threads: 1 });
      liveness = await attachLiveness(analyzer, pack, { threads: 1 });
    });
    afterAll(async () => {
      await analyzer?.release();
    });

    it('loads the pair and the second opinion the catalog names for the pack', () => {
      expect(liveness.state, liveness.message ?? '').toBe('ready');
      expect(liveness.secondOpinion).toEqual({ model: 'face-antispoof-onnx', threshold: 0.2 });
    });

    it('runs the second opinion only when asked, on the main face', async () => {
      const plain = await judge(replay[0], false);
      expect(plain.second).toBeUndefined();
      const asked = await judge(replay[0], true);
      expect(asked.score).toBeCloseTo(plain.score, 6);
      expect(asked.second).toBeLessThan(0.01);
    });

    it('the pair alone lets the replay in (what the second opinion is for)', async () => {
      const decisions = await present(null);
      expect(decisions.some((d) => d.kind === 'granted')).toBe(true);
    });

    it('with the second opinion the replay is challenged, never let in', async () => {
      const decisions = await present(liveness.secondOpinion?.threshold ?? null);
      expect(decisions.map((d) => d.kind)).not.toContain('granted');
      // Third frame: the pair would let it in, so the policy waits for the second opinion ...
      for (const i of [2, 3, 4]) expect(decisions[i]).toMatchObject({ kind: 'pending', reason: null });
      // ... on three frames, whose lower median sends the replay to the head-turn challenge.
      expect(decisions[5]).toMatchObject({ kind: 'pending', reason: 'challenge', openDoor: false });
    });

    it('lets a live person in whom the second opinion is lukewarm about, without a challenge', async () => {
      const decisions = await present(liveness.secondOpinion?.threshold ?? null, apfol);
      expect(decisions[5]).toMatchObject({ kind: 'granted', reason: 'live_known_allowed', openDoor: true });
      expect(decisions.map((d) => d.reason)).not.toContain('challenge');
    });

    it('one second-opinion frame is not enough: a replay with one lukewarm frame is challenged', async () => {
      const decisions = await present(liveness.secondOpinion?.threshold ?? null, ashish);
      expect(decisions.map((d) => d.kind)).not.toContain('granted');
      expect(decisions[5]).toMatchObject({ kind: 'pending', reason: 'challenge', openDoor: false });
    });

    describe('fails closed when the second opinion is configured but does not load', () => {
      let broken: string;
      beforeAll(async () => {
        broken = await mkdtemp(path.join(os.tmpdir(), 'facegate-second-opinion-'));
      });
      afterAll(async () => {
        await rm(broken, { recursive: true, force: true });
      });

      it('a file that is not a model: liveness unavailable, naming the model', async () => {
        const file = path.join(broken, 'best_model_quantized.onnx');
        await writeFile(file, 'not an onnx model');
        const second = pack.secondOpinion;
        expect(second, 'the open pack names a second opinion').toBeDefined();
        if (!second) return;
        const availability = await loadPackLiveness({ ...pack, secondOpinion: { ...second, path: file } });
        expect(availability.state).toBe('unavailable');
        expect(availability.estimator).toBeNull();
        expect(availability.message).toMatch(/face-antispoof-onnx.*door.*stays shut|door.*stays shut/s);
        expect(availability.message).toContain('face-antispoof-onnx');
      });

      it('a missing file: liveness unavailable, naming the file', async () => {
        // A model folder with every file of the pack except face-antispoof-onnx's.
        const folder = path.join(broken, 'models');
        await mkdir(folder);
        for (const entry of await readdir(sharedModelsDir, { withFileTypes: true }))
          if (entry.isDirectory() && entry.name !== 'face-antispoof-onnx')
            await symlink(path.join(sharedModelsDir, entry.name), path.join(folder, entry.name));
        const partial = await resolvePack('open', { searchPath: [folder] });
        const availability = await loadPackLiveness(partial);
        expect(availability.state).toBe('unavailable');
        expect(availability.message).toContain('face-antispoof-onnx/best_model_quantized.onnx');
      });
    });
  },
);
