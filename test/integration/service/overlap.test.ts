import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createWorkerInferenceHost, type RpcInferenceHost } from '../../../src/core/inference';
import type { FrameResult } from '../../../src/shared/contract';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { rgbaFrameFromPhoto, withSensorNoise } from './camera-frames';
import { startService, type Harness } from './service-harness';

type Rgba = { width: number; height: number; data: Uint8Array };
type Decision = { frame: number; kind: string; person: number | null; reason: string | null };

/**
 * Overlapped frames (docs/DESIGN.md, "Frame path figures"): the detector on a thread of its own,
 * frame n+1 detected while frame n is embedded and judged. Real models, real service.
 */
describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'overlapped frames (needs ../shared/faces and the models)',
  () => {
    const people = ['angelina', 'jennifer'] as const;
    const frames = {} as Record<(typeof people)[number], Rgba>;
    let host: RpcInferenceHost | undefined;

    beforeAll(async () => {
      for (const name of people) {
        const photo = identityPhotos().filter((p) => p.identity === name)[1];
        frames[name] = await rgbaFrameFromPhoto(photo.path);
      }
    });
    afterAll(async () => {
      await host?.close();
    });

    it('the host detects on its detector thread and finishes the frame as analyzeFrame does', async () => {
      host = createWorkerInferenceHost();
      const loaded = await host.load({ overlap: true });
      expect(loaded.liveness.state).toBe('ready');
      const options = { liveness: true, secondOpinion: true };
      const whole = await host.analyzeFrame(
        { ...frames.angelina, data: frames.angelina.data.slice() },
        options,
      );
      const detected = await host.detectFrame({ ...frames.angelina, data: frames.angelina.data.slice() });
      expect(detected).toMatchObject({ faces: 1, overlapped: true });
      const finished = await host.finishFrame(detected.ticket, options);
      expect(finished.faces.map((f) => f.box)).toEqual(whole.faces.map((f) => f.box));
      expect(finished.faces[0].liveness).toEqual(whole.faces[0].liveness);
      expect(finished.faces[0].liveness?.second).toBeTypeOf('number');
      expect(Array.from(finished.faces[0].embedding ?? [])).toEqual(
        Array.from(whole.faces[0].embedding ?? []),
      );
      // A ticket is used once.
      await expect(host.finishFrame(detected.ticket, options)).rejects.toThrow(/not kept/);
    });

    /**
     * One kiosk's replayed stream (Angelina, then Jennifer, each a few seconds' worth of frames),
     * `depth` frames in flight at most: 1 as the kiosk sends today, 2 to let the stages overlap.
     */
    async function replay(
      overlap: boolean,
      depth: number,
    ): Promise<{ decisions: Decision[]; results: FrameResult[]; ids: Map<string, number> }> {
      const h: Harness = await startService({ overlap });
      try {
        await h.call('settings.set', { patch: { liveness: { requiredForDoor: false } } });
        const ids = new Map<string, number>();
        for (const name of people) {
          const photo = identityPhotos().filter((p) => p.identity === name)[0];
          const person = await h.call('people.create', { name });
          ids.set(name, person.id);
          const enrolled = await h.call('enrol.fromPhoto', {
            personId: person.id,
            fileName: photo.file,
            data: readFileSync(photo.path),
          });
          expect(enrolled.accepted, enrolled.message).toBe(true);
        }
        const stream = [...Array<'angelina'>(10).fill('angelina'), ...Array<'jennifer'>(12).fill('jennifer')];
        const results: FrameResult[] = new Array(stream.length);
        const inFlight = new Set<Promise<void>>();
        for (const [i, name] of stream.entries()) {
          while (inFlight.size >= depth) await Promise.race(inFlight);
          const frame = frames[name];
          const sent = h
            .call(
              'frames.submit',
              { ...frame, data: withSensorNoise(frame.data, i + 1), timestamp: i },
              h.kiosk,
            )
            .then((r) => {
              results[i] = r;
              inFlight.delete(sent);
            });
          inFlight.add(sent);
        }
        await Promise.all(inFlight);
        const decisions: Decision[] = [];
        for (const [i, r] of results.entries()) {
          if (r.status === 'processed' && r.decision)
            decisions.push({
              frame: i,
              kind: r.decision.kind,
              person: r.decision.person?.id ?? null,
              reason: r.decision.reason,
            });
        }
        return { decisions, results, ids };
      } finally {
        await h.close();
      }
    }

    it('a replayed stream gets the same decisions overlapped (two frames in flight) as serially', async () => {
      const serial = await replay(false, 1);
      const overlapped = await replay(true, 2);
      // Two frames in flight never drop one: one is detected while the other is finished.
      expect(overlapped.results.every((r) => r.status === 'processed')).toBe(true);
      // Processed in order: each result's timestamp is its frame's.
      expect(overlapped.results.map((r) => r.timestamp)).toEqual(overlapped.results.map((_, i) => i));
      // Both let Angelina in, then Jennifer after the swap: the replay decides something.
      expect(serial.decisions.map((d) => [d.kind, d.person])).toEqual([
        ['granted', serial.ids.get('angelina')],
        ['granted', serial.ids.get('jennifer')],
      ]);
      const what = (d: Decision) => ({ kind: d.kind, person: d.person, reason: d.reason });
      expect(overlapped.decisions.map(what)).toEqual(serial.decisions.map(what));
      // On the same frame, or within the main face's re-verification (every 3 frames; the
      // tracker's 500 ms rule follows the wall clock, which differs between the two runs).
      for (const [i, d] of overlapped.decisions.entries())
        expect(Math.abs(d.frame - serial.decisions[i].frame)).toBeLessThanOrEqual(3);
    });

    it('stays bounded when frames arrive faster than it works: the newest frame wins, nothing queues up', async () => {
      const h = await startService({ overlap: true });
      try {
        const frame = frames.angelina;
        const sent = Array.from({ length: 30 }, (_, i) =>
          h.call(
            'frames.submit',
            { ...frame, data: withSensorNoise(frame.data, i + 1), timestamp: i },
            h.kiosk,
          ),
        );
        const results = await Promise.all(sent);
        const processed = results.filter((r) => r.status === 'processed').map((r) => r.timestamp);
        // The frame at work and the newest one; every frame in between was answered 'busy'.
        expect(processed).toEqual([0, 29]);
        expect(results.filter((r) => r.status === 'dropped' && r.reason === 'busy')).toHaveLength(28);
      } finally {
        await h.close();
      }
    });
  },
);
