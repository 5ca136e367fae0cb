import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxIou } from '../../../src/core/access';
import { decodeImage } from '../../../src/core/image';
import type { Box } from '../../../src/core/face/types';
import type { FrameResult } from '../../../src/shared/contract';
import { defaultRecognitionSchedule } from '../../../src/shared/tracking';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { withSensorNoise } from './camera-frames';
import { startService, type Harness } from './service-harness';

type Rgba = { width: number; height: number; data: Uint8Array };
type Processed = Extract<FrameResult, { status: 'processed' }>;

/** The photo scaled and moved so that its face box lands on `target` in a 640x480 grey frame. */
function placeFace(photo: { width: number; height: number; data: Uint8Array }, face: Box, target: Box): Rgba {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 4).fill(128);
  const scale = (target.x2 - target.x1) / (face.x2 - face.x1);
  for (let y = 0; y < height; y++) {
    const sy = Math.round((y - target.y1) / scale + face.y1);
    if (sy < 0 || sy >= photo.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = Math.round((x - target.x1) / scale + face.x1);
      if (sx < 0 || sx >= photo.width) continue;
      const s = (sy * photo.width + sx) * 3;
      const d = (y * width + x) * 4;
      data[d] = photo.data[s];
      data[d + 1] = photo.data[s + 1];
      data[d + 2] = photo.data[s + 2];
      data[d + 3] = 255;
    }
  }
  return { width, height, data };
}

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'track, then recognise through the service (needs ../shared/faces and the models)',
  () => {
    let h: Harness;
    let seed = 0;
    const frames: Record<'angelina' | 'jennifer', Rgba> = {} as never;
    const ids: Record<'angelina' | 'jennifer', number> = {} as never;

    const submit = async (frame: Rgba): Promise<Processed> => {
      const result = await h.call(
        'frames.submit',
        { ...frame, data: withSensorNoise(frame.data, ++seed), timestamp: seed },
        h.kiosk,
      );
      if (result.status !== 'processed') throw new Error(`frame not processed: ${JSON.stringify(result)}`);
      return result;
    };

    beforeAll(async () => {
      h = await startService();
      await h.call('settings.set', { patch: { liveness: { requiredForDoor: false } } });
      const probe = h.service.openSession('probe', { trustedKiosk: true });
      const target: Box = { x1: 250, y1: 140, x2: 390, y2: 320 };
      for (const name of ['angelina', 'jennifer'] as const) {
        const photos = identityPhotos().filter((p) => p.identity === name);
        ids[name] = (await h.call('people.create', { name })).id;
        const enrolled = await h.call('enrol.fromPhoto', {
          personId: ids[name],
          fileName: photos[0].file,
          data: readFileSync(photos[0].path),
        });
        expect(enrolled.accepted, enrolled.message).toBe(true);
        // A second photo of each, its face moved onto the same box of the frame.
        const photo = await decodeImage(readFileSync(photos[1].path), photos[1].file);
        const rgba = new Uint8Array(photo.width * photo.height * 4);
        for (let i = 0, j = 0; i < photo.data.length; i += 3, j += 4)
          rgba.set(photo.data.subarray(i, i + 3), j);
        const seen = await h.service.call(
          'frames.submit',
          { width: photo.width, height: photo.height, data: rgba, timestamp: 0 },
          probe,
        );
        if (seen.status !== 'processed' || !seen.faces[0]) throw new Error(`no face in ${photos[1].file}`);
        frames[name] = placeFace(photo, seen.faces[0].box, target);
      }
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a person swap in the same box is a new track, re-identified, and decided on its own', async () => {
      // Angelina stands at the kiosk until she is let in.
      let before: Processed | undefined;
      for (let i = 0; i < 10 && !before?.decision; i++) before = await submit(frames.angelina);
      expect(before?.decision).toMatchObject({ kind: 'granted', person: { id: ids.angelina } });
      const first = before?.faces[0];
      expect(first?.track).toBeTypeOf('number');
      // A box tracker alone would keep the swapped face on her track: the boxes overlap.
      const swapped = await submit(frames.jennifer);
      expect(boxIou(first?.box as Box, swapped.faces[0].box)).toBeGreaterThan(0.5);
      // While her decision holds (cool-down) her track's embedding is reused, so the swap is seen at
      // the next re-verification at the latest: then a new track, identified as Jennifer.
      const after: Processed[] = [swapped];
      for (let i = 0; i < defaultRecognitionSchedule.mainEveryFrames + 10; i++)
        after.push(await submit(frames.jennifer));
      const newTrack = after.findIndex((r) => r.faces[0].track !== first?.track);
      expect(newTrack).toBeGreaterThanOrEqual(0);
      expect(newTrack).toBeLessThanOrEqual(defaultRecognitionSchedule.mainEveryFrames);
      for (const r of after.slice(newTrack)) {
        expect(r.faces[0].track).toBe(after[newTrack].faces[0].track);
        expect(r.faces[0].person?.id).toBe(ids.jennifer);
      }
      // Nothing after the swap lets anyone in as Angelina; Jennifer is decided on her own track.
      const decisions = after.map((r) => r.decision).filter((d) => d !== null);
      expect(decisions.some((d) => d.person?.id === ids.angelina)).toBe(false);
      expect(decisions[0]).toMatchObject({ kind: 'granted', person: { id: ids.jennifer } });
    });

    it('embeds the main face on every frame until the policy decides (no decision from a reused embedding)', async () => {
      // Jennifer was just let in on this track: a reused embedding may stand in while that holds.
      await new Promise((r) => setTimeout(r, 1700)); // she leaves; the policy forgets her
      const results: Processed[] = [];
      for (let i = 0; i < 10 && !results.at(-1)?.decision; i++) results.push(await submit(frames.angelina));
      expect(results.at(-1)?.decision).toMatchObject({ kind: 'granted', person: { id: ids.angelina } });
      // Every frame up to the decision carried its own embedding: similarities differ frame to frame.
      const similarities = results.map((r) => r.faces[0].similarity);
      expect(new Set(similarities).size).toBe(similarities.length);
    });

    it('leaves the main face unjudged while a decision holds, and judges the frames the next decision counts', async () => {
      const status = await h.call('status.get');
      expect(status.liveness.state, 'the liveness models must have loaded').toBe('ready');
      await h.call('settings.set', { patch: { access: { cooldownSeconds: 2 } } });
      try {
        await new Promise((r) => setTimeout(r, 1700)); // whoever stood there left
        const arriving: Processed[] = [];
        for (let i = 0; i < 10 && !arriving.at(-1)?.decision; i++)
          arriving.push(await submit(frames.angelina));
        expect(arriving.at(-1)?.decision).toMatchObject({ kind: 'granted', person: { id: ids.angelina } });
        // Up to the decision every frame was judged.
        for (const r of arriving) expect(r.faces[0].liveness).not.toBeNull();
        // She stays: the decision holds for 2 s, then she is decided afresh on the same track.
        const held: Processed[] = [];
        let next: Processed;
        while (!(next = await submit(frames.angelina)).decision && held.length < 200) held.push(next);
        expect(next.decision).toMatchObject({ kind: 'granted', person: { id: ids.angelina } });
        expect(next.faces[0].track).toBe(arriving.at(-1)?.faces[0].track);
        const unjudged = held.filter((r) => r.faces[0].liveness === null);
        expect(unjudged.length).toBeGreaterThan(held.length / 3);
        // No liveness model ran on them (the stage costs about 9 ms a face when it does).
        for (const r of unjudged) expect(r.timings.liveness).toBeLessThan(0.5);
        // The frames the fresh decision was made on (the window before it) were all judged.
        for (const r of [...held.slice(-4), next]) expect(r.faces[0].liveness?.verdict).toBeTypeOf('string');
      } finally {
        await h.call('settings.set', { patch: { access: { cooldownSeconds: 10 } } });
      }
    });
  },
);
