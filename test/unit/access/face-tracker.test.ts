import { describe, expect, it } from 'vitest';
import { AccessPolicy, FaceTracker, boxIou, type PolicyFace } from '../../../src/core/access';
import type { Box } from '../../../src/core/face/types';

const box = (x: number, y: number, size = 100): Box => ({ x1: x, y1: y, x2: x + size, y2: y + size });

describe('FaceTracker', () => {
  it('keeps a face that moves a little on its track and gives a new face a new track', () => {
    const tracker = new FaceTracker();
    const [a] = tracker.update([box(100, 100)], 0);
    expect(tracker.update([box(108, 104)], 100)).toEqual([a]);
    const [b] = tracker.update([box(400, 100)], 200);
    expect(b).not.toBe(a);
  });

  it('matches two faces to their own tracks, best overlap first, whatever their order', () => {
    const tracker = new FaceTracker();
    const [a, b] = tracker.update([box(0, 0), box(300, 0)], 0);
    expect(tracker.update([box(305, 0), box(5, 0)], 50)).toEqual([b, a]);
  });

  it('forgets a track unseen for longer than maxGapMs', () => {
    const tracker = new FaceTracker({ minIou: 0.3, maxGapMs: 500 });
    const [a] = tracker.update([box(0, 0)], 0);
    expect(tracker.update([box(0, 0)], 2000)[0]).not.toBe(a);
  });

  it('computes IoU', () => {
    expect(boxIou(box(0, 0), box(0, 0))).toBe(1);
    expect(boxIou(box(0, 0), box(200, 0))).toBe(0);
    expect(boxIou(box(0, 0), box(50, 0))).toBeCloseTo(50 / 150, 6);
  });
});

describe('AccessPolicy over one track', () => {
  const ALICE = 1;
  const live = { score: 0.97, verdict: 'live' as const, models: ['m'] };
  const spoof = { score: 0.05, verdict: 'spoof' as const, models: ['m'] };
  const at = (b: Box, liveness: PolicyFace['liveness']): PolicyFace => ({
    personId: ALICE,
    similarity: 0.7,
    liveness,
    box: b,
  });

  function run(frames: PolicyFace[]) {
    let t = 0;
    const policy = new AccessPolicy(
      { livenessAvailable: true, livenessThreshold: 0.5 },
      () => ({ active: true, allowed: true }),
      { now: () => t },
    );
    return frames.map((f) => {
      t += 100;
      return policy.observe({ faces: [f] });
    });
  }

  // A live face for two frames, then a phone or print of the same person held up elsewhere in the
  // view: judged over the mixed window the lower median of [live, live, spoof] is live and the door
  // opened on the picture's first frame. Over the picture's own track it is refused.
  it('does not let frames of another track vouch for a picture shown after them', () => {
    const decisions = run([
      at(box(50, 50), live),
      at(box(52, 50), live),
      at(box(400, 200), spoof),
      at(box(401, 200), spoof),
      at(box(402, 201), spoof),
      at(box(402, 202), spoof),
    ]);
    expect(decisions.some((d) => d.openDoor)).toBe(false);
    expect(decisions.map((d) => d.kind)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'not_live',
      'not_live',
    ]);
  });

  it('still grants a live face that stays on its track', () => {
    const decisions = run([at(box(50, 50), live), at(box(55, 52), live), at(box(58, 55), live)]);
    expect(decisions[2]).toMatchObject({ kind: 'granted', openDoor: true });
  });
});
