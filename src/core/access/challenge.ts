import type { Point } from '../image/types';

/**
 * The step-up challenge: when the passive liveness of a tracked face is unsure (or the door always
 * asks), the person is asked for a random action and the landmarks of the same track must show it
 * within a few seconds. A fresh random action each time, so a recorded video cannot follow it.
 *
 * Head turns are read from the five landmarks (eyes, nose, mouth corners): the nose's offset along
 * the eye line in the face's own affine frame (headTurn). For a flat picture (a print or a screen)
 * it is invariant under any affine motion of the picture, so a picture cannot "turn its head"
 * (only strong perspective, a picture very close to the lens, moves it a little). A real head
 * turned by 20-30 degrees moves the nose by a third of the eye distance or more (a judgment from
 * face geometry, not yet measured on recorded challenges: docs/liveness.md).
 *
 * Blinks are not offered: the default pack's five landmarks do not see the eyes' state, and the
 * eye-state model (npm fr_eye) needs the 68 points only the starter pack has (not measured yet).
 */
export const challengeActions = ['turn_left', 'turn_right'] as const;
export type ChallengeAction = (typeof challengeActions)[number];

export interface ChallengeSettings {
  /** Time the person has to do the action. */
  timeoutMs: number;
  /** How far the nose must move (fraction of the eye distance) from where it was when asked. */
  minTurn: number;
}

export const defaultChallengeSettings: ChallengeSettings = Object.freeze({ timeoutMs: 4000, minTurn: 0.2 });

/**
 * Signed head turn from five landmarks in our order (left eye, right eye, nose, left and right
 * mouth corner, as seen in the image): the nose written in the face's own frame, nose - eye
 * midpoint = a * (right eye - left eye) + b * (mouth midpoint - eye midpoint), returns a. For
 * five points on one plane (a picture) a is unchanged by any affine map of the picture: turning,
 * tilting, rolling, moving or scaling it. The nose tip of a real head stands out of that plane, so
 * a head turned to the side moves it. Positive when the nose moves to the image's right (the
 * person's own left for an unmirrored camera). Null when the points are degenerate.
 */
export function headTurn(landmarks: readonly Point[]): number | null {
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = landmarks;
  if (!leftEye || !rightEye || !nose || !mouthLeft || !mouthRight) return null;
  const mx = (leftEye.x + rightEye.x) / 2;
  const my = (leftEye.y + rightEye.y) / 2;
  const ux = rightEye.x - leftEye.x;
  const uy = rightEye.y - leftEye.y;
  const vx = (mouthLeft.x + mouthRight.x) / 2 - mx;
  const vy = (mouthLeft.y + mouthRight.y) / 2 - my;
  const det = ux * vy - uy * vx;
  if (!(Math.abs(det) > 1e-6 * (ux * ux + uy * uy + vx * vx + vy * vy))) return null;
  const nx = nose.x - mx;
  const ny = nose.y - my;
  return (nx * vy - ny * vx) / det;
}

export type ChallengeState = 'asking' | 'passed' | 'failed';

/** One challenge: an action, a start, and the landmarks seen since. */
export class Challenge {
  private baseline: number | null = null;
  private result: ChallengeState = 'asking';

  constructor(
    readonly action: ChallengeAction,
    readonly startedAt: number,
    private readonly settings: ChallengeSettings = defaultChallengeSettings,
  ) {}

  /** A new challenge with a random action (random() in [0, 1)). */
  static random(now: number, random: () => number, settings?: ChallengeSettings): Challenge {
    const action =
      challengeActions[Math.min(challengeActions.length - 1, Math.floor(random() * challengeActions.length))];
    return new Challenge(action, now, settings);
  }

  get deadline(): number {
    return this.startedAt + this.settings.timeoutMs;
  }

  get state(): ChallengeState {
    return this.result;
  }

  /** Feeds the landmarks of one frame of the challenged track (null: no face this frame). */
  observe(landmarks: readonly Point[] | null, now: number): ChallengeState {
    if (this.result !== 'asking') return this.result;
    const turn = landmarks ? headTurn(landmarks) : null;
    if (turn !== null) {
      if (this.baseline === null) this.baseline = turn;
      const moved = turn - this.baseline;
      // The person's left is the image's right for an unmirrored camera.
      const wanted = this.action === 'turn_left' ? moved : -moved;
      if (wanted >= this.settings.minTurn) this.result = 'passed';
    }
    if (this.result === 'asking' && now >= this.deadline) this.result = 'failed';
    return this.result;
  }
}
