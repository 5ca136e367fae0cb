import { z } from 'zod';
import { decisionKinds } from './contract';

/**
 * Access-policy and liveness vocabulary that crosses to the UI: machine-readable reason codes the
 * renderer translates, and the policy's own decision as the service receives it (the contract's
 * AccessDecision adds the person's name, the door pulse and the attendance event to it).
 */

/** Why a face's liveness could not be judged (LivenessResult.reason). */
export const cannotJudgeReasons = [
  'face_too_small', // the context crop would be smaller than the model's input: move closer
  'face_too_close', // the frame cannot hold enough context around the face: step back
  'face_at_edge', // the face touches the frame edge: move to the centre
] as const;
export type CannotJudgeReason = (typeof cannotJudgeReasons)[number];

/** Why the policy decided what it did (one code per decision). */
export const accessReasons = [
  'live_known_allowed', // granted
  'live_challenge_passed', // granted after the step-up challenge (a head turn on request)
  'challenge', // pending: the person is asked for a head turn (step-up challenge)
  'challenge_failed', // not_live: the requested head turn did not come in time
  'liveness_not_required', // granted with liveness off for the door
  'inactive', // denied: the person is inactive
  'not_allowed', // denied: the person may not open this door now
  'pin_required', // denied for now: a live known face whose rule asks for a PIN too (face and PIN)
  'pin_accepted', // granted: a personal PIN (or a badge) the rules accept alone
  'face_and_pin_accepted', // granted: the face, then the person's PIN (two factors)
  'wrong_pin', // denied: the PIN is not this person's (or nobody's); counts towards the lockout
  'unknown_credential', // denied: no person has this badge or PIN; counts towards the lockout
  'locked_out', // denied: too many wrong PINs or badges for this credential; wait
  'face_required', // denied: a PIN or badge alone where the rule asks for the face
  'person_missing', // denied: the person was deleted while standing there
  'not_identified', // unknown: the agreeing frames match nobody
  'spoof', // not_live: the median liveness of the agreeing frames is under the threshold
  'liveness_unavailable', // not granted: the door requires liveness and no liveness model is loaded
  'liveness_missing', // cannot_judge: liveness was required but the frames carry none
  ...cannotJudgeReasons, // cannot_judge: most agreeing frames could not be judged, and why
  'no_face', // no face in the frame
] as const;
export type AccessReason = (typeof accessReasons)[number];

export const policyDecisionKinds = [...decisionKinds, 'pending'] as const;
export type PolicyDecisionKind = (typeof policyDecisionKinds)[number];

const unit = z.number().min(0).max(1);

/** What the access policy returns for each frame. */
export const policyDecisionSchema = z.object({
  /** 'pending' while evidence gathers; the others are the contract's decision kinds. */
  kind: z.enum(policyDecisionKinds),
  reason: z.enum(accessReasons).nullable(),
  /** True on the one frame where this decision was reached: act on it (door, attendance). */
  fresh: z.boolean(),
  /** Pulse the door: a fresh 'granted' for the door. */
  openDoor: z.boolean(),
  /** Write an attendance event (fresh decisions about a known person, or an unknown visitor). */
  logAttendance: z.boolean(),
  personId: z.number().int().positive().nullable(),
  /** Median similarity of the agreeing frames. */
  similarity: z.number().nullable(),
  /** Median liveness score over the agreeing frames that could be judged, and how many there were. */
  liveness: z.object({ score: unit, frames: z.number().int().nonnegative() }).nullable(),
  /** The step-up challenge in progress: the action asked for and when it runs out (policy clock). */
  challenge: z.object({ action: z.enum(['turn_left', 'turn_right']), deadline: z.number() }).nullable(),
  /** Frames agreeing on the person, out of the window. */
  agreeing: z.number().int().nonnegative(),
  window: z.number().int().positive(),
  /** Clock time of the frame (milliseconds, the policy's clock). */
  at: z.number(),
});
export type PolicyDecision = z.infer<typeof policyDecisionSchema>;
