import { describe, expect, it } from 'vitest';
import { AccessPolicy, type PolicyFace } from '../../../src/core/access';
import { Challenge, headTurn } from '../../../src/core/access/challenge';
import type { Box } from '../../../src/core/face/types';
import type { Point } from '../../../src/core/image/types';

/** Five landmarks of a frontal face in a 100 px box at (x, y), the nose `turn` of the eye distance off centre. */
function landmarks(x: number, y: number, turn = 0): Point[] {
  return [
    { x: x + 30, y: y + 40 },
    { x: x + 70, y: y + 40 },
    { x: x + 50 + turn * 40, y: y + 60 },
    { x: x + 35, y: y + 80 },
    { x: x + 65, y: y + 80 },
  ];
}

/** The same points after an affine map: what a flat picture gives when it is turned, tilted, moved. */
const affine = (points: Point[], a: number, b: number, c: number, d: number, tx: number, ty: number) =>
  points.map((p) => ({ x: a * p.x + b * p.y + tx, y: c * p.x + d * p.y + ty }));

describe('headTurn', () => {
  it('reads the nose offset along the eye line in the face frame, whatever the roll', () => {
    expect(headTurn(landmarks(0, 0))).toBeCloseTo(0, 6);
    expect(headTurn(landmarks(0, 0, 0.4))).toBeCloseTo(0.4, 6);
    const angle = 0.5;
    const rolled = affine(
      landmarks(0, 0, 0.4),
      Math.cos(angle),
      -Math.sin(angle),
      Math.sin(angle),
      Math.cos(angle),
      5,
      9,
    );
    expect(headTurn(rolled)).toBeCloseTo(0.4, 6);
  });

  it('does not change when a flat picture is turned, tilted or moved (affine)', () => {
    const picture = landmarks(100, 100, 0.05);
    for (const [a, b, c, d] of [
      [0.6, 0, 0, 1], // turned about the vertical axis: foreshortened horizontally
      [1, 0.2, 0.1, 0.8],
      [1.3, 0, 0, 1.3],
    ]) {
      expect(headTurn(affine(picture, a, b, c, d, 40, -20))).toBeCloseTo(0.05, 6);
    }
  });
});

describe('Challenge', () => {
  it('passes a turn to the asked side and fails the other side at the deadline', () => {
    const left = new Challenge('turn_left', 0);
    expect(left.observe(landmarks(0, 0), 100)).toBe('asking');
    expect(left.observe(landmarks(0, 0, 0.3), 900)).toBe('passed');
    const right = new Challenge('turn_right', 0);
    right.observe(landmarks(0, 0), 100);
    expect(right.observe(landmarks(0, 0, 0.3), 900)).toBe('asking');
    expect(right.observe(landmarks(0, 0, 0.3), 4000)).toBe('failed');
  });

  it('picks a fresh random action each time', () => {
    expect(Challenge.random(0, () => 0.1).action).toBe('turn_left');
    expect(Challenge.random(0, () => 0.9).action).toBe('turn_right');
  });
});

describe('AccessPolicy step-up', () => {
  const ALICE = 1;
  const box = (x: number): Box => ({ x1: x, y1: 100, x2: x + 100, y2: 200 });
  const frame = (score: number, turn = 0, x = 100): PolicyFace => ({
    personId: ALICE,
    similarity: 0.7,
    liveness: { score, verdict: score >= 0.5 ? 'live' : 'spoof', models: ['m'] },
    box: box(x),
    landmarks: landmarks(x, 100, turn),
  });

  function policy(stepUp: 'off' | 'when_unsure' | 'always', random = () => 0.1) {
    let t = 0;
    const p = new AccessPolicy(
      { livenessAvailable: true, livenessThreshold: 0.5, stepUp },
      () => ({ active: true, allowed: true }),
      { now: () => t },
      random,
    );
    return {
      see: (f: PolicyFace, ms = 100) => {
        t += ms;
        return p.observe({ faces: [f] });
      },
    };
  }

  it('asks an unsure face for a head turn and opens when the landmarks show it', () => {
    const { see } = policy('when_unsure');
    see(frame(0.35));
    see(frame(0.35));
    const asked = see(frame(0.35));
    expect(asked).toMatchObject({ kind: 'pending', reason: 'challenge', openDoor: false });
    expect(asked.challenge?.action).toBe('turn_left');
    expect(see(frame(0.35, 0.1)).kind).toBe('pending');
    const answered = see(frame(0.35, 0.35));
    expect(answered).toMatchObject({
      kind: 'granted',
      reason: 'live_challenge_passed',
      openDoor: true,
      fresh: true,
    });
  });

  it('refuses a picture that cannot turn its head: not_live when the time runs out, and lets it try again', () => {
    const { see } = policy('when_unsure');
    see(frame(0.35));
    see(frame(0.35));
    expect(see(frame(0.35)).reason).toBe('challenge');
    let last = see(frame(0.35), 1000);
    for (let i = 0; i < 4 && last.kind === 'pending'; i++) last = see(frame(0.35, 0.02), 1000);
    expect(last).toMatchObject({
      kind: 'not_live',
      reason: 'challenge_failed',
      openDoor: false,
      fresh: true,
    });
    // After the answer was shown, a new attempt gets a new challenge.
    see(frame(0.35), 2100);
    see(frame(0.35));
    expect(see(frame(0.35)).reason).toBe('challenge');
  });

  it('refuses outright under the unsure band, and never asks with step-up off', () => {
    const low = policy('when_unsure');
    low.see(frame(0.1));
    low.see(frame(0.1));
    expect(low.see(frame(0.1))).toMatchObject({ kind: 'not_live', reason: 'spoof' });
    const off = policy('off');
    off.see(frame(0.35));
    off.see(frame(0.35));
    expect(off.see(frame(0.35))).toMatchObject({ kind: 'not_live', reason: 'spoof' });
  });

  it("asks every time when the door says 'always', even a confident live face", () => {
    const { see } = policy('always', () => 0.9);
    see(frame(0.99));
    see(frame(0.99));
    const asked = see(frame(0.99));
    expect(asked).toMatchObject({
      kind: 'pending',
      reason: 'challenge',
      challenge: { action: 'turn_right' },
    });
    expect(see(frame(0.99, -0.3)).kind).toBe('granted');
  });

  it('grants a confident live face without a challenge when unsure-only', () => {
    const { see } = policy('when_unsure');
    see(frame(0.95));
    see(frame(0.95));
    expect(see(frame(0.95))).toMatchObject({ kind: 'granted', reason: 'live_known_allowed' });
  });
});
