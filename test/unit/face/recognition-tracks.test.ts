import { describe, expect, it } from 'vitest';
import type { AnalyzedFace, Box } from '../../../src/core/face/types';
import { RecognitionTracks } from '../../../src/core/inference/recognition-tracks';

const box = (x: number, size = 100): Box => ({ x1: x, y1: 100, x2: x + size, y2: 100 + size });
const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};
const ALICE = unit(1, 0.1, 0);
const BOB = unit(0, 1, 0.2);
const face = (b: Box, score = 0.9): AnalyzedFace => ({
  box: b,
  score,
  landmarks: [0, 1, 2, 3, 4].map(() => ({ x: 0, y: 0 })) as AnalyzedFace['landmarks'],
});

/**
 * One frame through the tracker as the runner does it: select, "embed" the selected faces with the
 * identity the test says stands there, finish.
 */
function frame(
  tracks: RecognitionTracks,
  now: number,
  faces: { box: Box; who: Float32Array; score?: number }[],
  verifyMain = false,
  judgeMain?: boolean,
) {
  const { select, finish } = tracks.begin(
    { stream: 'kiosk', verifyMain, ...(judgeMain !== undefined ? { judgeMain } : {}) },
    now,
  );
  const detected = faces.map((f) => face(f.box, f.score));
  const selection = select(detected);
  detected.forEach((d, i) => {
    if (selection.embed[i]) d.embedding = faces[i].who.slice();
    if (selection.liveness[i]) d.liveness = { score: 0.9, verdict: 'live', models: ['m'] };
  });
  const out = finish(detected);
  return { selection, faces: out };
}

describe('RecognitionTracks (track, then recognise)', () => {
  const schedule = {
    everyFrames: 5,
    mainEveryFrames: 3,
    everyMs: 10_000,
    qualityGain: 1.25,
    reverifyPerFrame: 1,
  };

  it('embeds a track when it appears, reuses its embedding, re-verifies every N frames (fewer for the main face)', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    const embedded: boolean[] = [];
    const others: boolean[] = [];
    let track: number | undefined;
    for (let i = 0; i < 11; i++) {
      // The main face (Alice) and a second face (Bob) further along.
      const { selection, faces } = frame(tracks, i * 33, [
        { box: box(100 + i), who: ALICE },
        { box: box(400 + i, 80), who: BOB },
      ]);
      embedded.push(selection.embed[0]);
      others.push(selection.embed[1]);
      track ??= faces[0].track;
      expect(faces[0].track).toBe(track);
      expect(Array.from(faces[0].embedding ?? [])).toEqual(Array.from(ALICE));
      expect(faces[0].fresh).toBe(selection.embed[0]);
    }
    expect(embedded).toEqual([true, false, false, true, false, false, true, false, false, true, false]);
    expect(others).toEqual([true, false, false, false, false, true, false, false, false, false, true]);
  });

  it('embeds the main face on every frame the caller asks for it, and the others on their schedule', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    frame(tracks, 0, [
      { box: box(100), who: ALICE },
      { box: box(400), who: BOB },
    ]);
    const { selection } = frame(
      tracks,
      33,
      [
        { box: box(101), who: ALICE },
        { box: box(401), who: BOB },
      ],
      true,
    );
    expect(selection.embed).toEqual([true, false]);
    // Liveness: the main face on every frame, the others with their embedding.
    expect(selection.liveness).toEqual([true, false]);
  });

  it('leaves the main face unjudged when the caller says a decision holds, and never lends it an older score', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    const two = (x: number) => [
      { box: box(100 + x), who: ALICE },
      { box: box(400 + x, 80), who: BOB },
    ];
    const first = frame(tracks, 0, two(0), true, true);
    expect(first.selection.liveness).toEqual([true, true]);
    expect(first.faces[0].liveness?.score).toBe(0.9);
    for (let i = 1; i < 8; i++) {
      const { selection, faces } = frame(tracks, i * 33, two(i), false, false);
      // Not judged, even on the frames where the main face is re-verified (embedded).
      expect(selection.liveness[0]).toBe(false);
      expect(faces[0].liveness).toBeUndefined();
      // The face beside it shows its track's last score (display only: the policy reads the main face).
      expect(faces[1].liveness?.score).toBe(0.9);
    }
    // The policy may count the next frame: judged again.
    expect(frame(tracks, 300, two(9), true, true).faces[0].liveness?.score).toBe(0.9);
  });

  it('spreads the re-verifications of a group that arrived together: one a frame, each in its turn', () => {
    const tracks = new RecognitionTracks(0.5, { ...schedule, everyFrames: 10 });
    const people = [ALICE, BOB, unit(0.2, 0, 1), unit(1, 1, 0), unit(0, 1, 1), unit(1, 0, 1)];
    const group = (t: number) => people.map((who, k) => ({ box: box(20 + k * 105 + (t % 2), 90), who }));
    // All six are new: all embedded, all judged.
    const first = frame(tracks, 0, group(0));
    expect(first.selection.embed).toEqual(people.map(() => true));
    expect(first.selection.liveness).toEqual(people.map(() => true));
    const last = people.map(() => 0);
    for (let t = 1; t <= 40; t++) {
      const { selection, faces } = frame(tracks, t * 33, group(t));
      // One re-verification a frame at most, and none of the others is judged for liveness again.
      expect(selection.embed.filter(Boolean).length).toBeLessThanOrEqual(1);
      expect(selection.liveness).toEqual([true, false, false, false, false, false]);
      selection.embed.forEach((e, k) => {
        if (!e) return;
        // Each face waits at most its turn: its 10 frames, plus the frames of the others due with
        // it and of the main face's own re-verifications (every 3rd).
        expect(t - last[k]).toBeLessThanOrEqual(k === 0 ? 3 : 10 + 8);
        last[k] = t;
      });
      faces.forEach((f, k) => expect(Array.from(f.embedding ?? [])).toEqual(Array.from(people[k])));
    }
    // Every face was re-verified in the 40 frames, the main one every 3.
    expect(last.every((t) => t > 25)).toBe(true);
  });

  it('embeds again when the face clearly improves (bigger, sharper detection)', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    frame(tracks, 0, [{ box: box(100, 80), who: ALICE, score: 0.6 }]);
    expect(frame(tracks, 33, [{ box: box(100, 82), who: ALICE, score: 0.62 }]).selection.embed).toEqual([
      false,
    ]);
    expect(frame(tracks, 66, [{ box: box(100, 100), who: ALICE, score: 0.9 }]).selection.embed).toEqual([
      true,
    ]);
  });

  it('a person swap in the same box is a new track, identified afresh', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    const first = frame(tracks, 0, [{ box: box(100), who: ALICE }]).faces[0].track;
    let swappedAt = -1;
    let after: ReturnType<typeof frame>['faces'][number] | undefined;
    for (let i = 1; i <= schedule.mainEveryFrames && swappedAt < 0; i++) {
      const out = frame(tracks, i * 33, [{ box: box(100), who: BOB }]).faces[0];
      if (out.track !== first) [swappedAt, after] = [i, out];
      // Until re-verified, the reused embedding is the track's (Alice's), never a mix.
      else expect(Array.from(out.embedding ?? [])).toEqual(Array.from(ALICE));
    }
    expect(swappedAt).toBeGreaterThan(0);
    expect(after?.fresh).toBe(true);
    expect(Array.from(after?.embedding ?? [])).toEqual(Array.from(BOB));
    // The new track goes on as Bob's.
    const next = frame(tracks, 500, [{ box: box(101), who: BOB }]).faces[0];
    expect(next.track).toBe(after?.track);
    expect(Array.from(next.embedding ?? [])).toEqual(Array.from(BOB));
  });

  it('a swap is caught on the very frame when the caller asks for the main face', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    const first = frame(tracks, 0, [{ box: box(100), who: ALICE }], true).faces[0].track;
    const swapped = frame(tracks, 33, [{ box: box(100), who: BOB }], true).faces[0];
    expect(swapped.track).not.toBe(first);
    expect(Array.from(swapped.embedding ?? [])).toEqual(Array.from(BOB));
  });

  it('keeps streams apart', () => {
    const tracks = new RecognitionTracks(0.5, schedule);
    frame(tracks, 0, [{ box: box(100), who: ALICE }]);
    const other = tracks.begin({ stream: 'other kiosk', verifyMain: false }, 33);
    expect(other.select([face(box(100))]).embed).toEqual([true]);
  });
});
