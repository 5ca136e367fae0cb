import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrozenStreamCheck } from '../../../src/core/service/frozen-stream';
import { hasFfmpeg } from '../../e2e/helpers/environment';
import { makeFakeCameraVideo } from '../../e2e/helpers/videos';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * The frozen-frame check on real decoded video: the e2e fake camera (a still photo with
 * sensor-like temporal noise, what a webcam sends of a person standing still) passes every
 * frame; the same still without noise (an injected or frozen stream) is refused from the second
 * frame on. Frames go through ffmpeg exactly as Chromium's fake camera reads the .y4m.
 */
const missing = [!hasFfmpeg && 'ffmpeg', !hasSharedFaces && '../shared/faces'].filter(Boolean);

function decodeFrames(video: string): Uint8Array[] {
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const size = 640 * 480 * 4;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + size <= raw.length; at += size)
    frames.push(new Uint8Array(raw.subarray(at, at + size)));
  return frames;
}

describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))(
  'frozen stream check on decoded video',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-frozen-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('passes every frame of a noisy fake camera, refuses repeats of a still, ignores blank frames', async () => {
      const photos = identityPhotos().slice(0, 3);
      let noisyRefused = 0;
      let noisyFrames = 0;
      for (const [i, photo] of photos.entries()) {
        const video = await makeFakeCameraVideo(photo.path, path.join(dir, `noisy-${i}.y4m`), {
          seconds: 4,
          fps: 10,
        });
        const check = new FrozenStreamCheck();
        for (const data of decodeFrames(video)) {
          noisyFrames++;
          if (check.observe({ width: 640, height: 480, data }) !== null) noisyRefused++;
        }
      }
      expect(noisyFrames).toBeGreaterThanOrEqual(100);
      expect(noisyRefused).toBe(0);

      // The same still, no noise: what an injected picture looks like.
      const still = path.join(dir, 'still.y4m');
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-loop',
        '1',
        '-i',
        photos[0].path,
        '-t',
        '2',
        '-r',
        '10',
        '-vf',
        'scale=640:480',
        '-pix_fmt',
        'yuv420p',
        still,
      ]);
      const check = new FrozenStreamCheck();
      const verdicts = decodeFrames(still).map((data) => check.observe({ width: 640, height: 480, data }));
      expect(verdicts[0]).toBeNull();
      expect(verdicts[1]).toBe('repeat');
      expect(verdicts.slice(2).every((v) => v === 'injection')).toBe(true);

      // A covered lens (all black, bit for bit): refused, but not called an attack.
      const blank = new FrozenStreamCheck();
      const black = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 4) };
      expect([0, 1, 2, 3].map(() => blank.observe(black))).toEqual([null, 'blank', 'blank', 'blank']);
      expect(readFileSync(still).length).toBeGreaterThan(0);
    }, 120_000);
  },
);
