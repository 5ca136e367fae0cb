import type { Box, LivenessResult } from '../face/types';
import type { Point } from '../image/types';
import type { StepUpMode } from '../../shared/settings';

/** One face of a frame as the policy sees it: who the matcher says it is, and its liveness. */
export interface PolicyFace {
  /** The person the gallery matched (threshold and margin passed), null when unknown. */
  personId: number | null;
  /** Best similarity against the gallery, null when the face was not embedded. */
  similarity: number | null;
  /** Null when liveness did not run on this face. */
  liveness: LivenessResult | null;
  /**
   * The face box in frame pixels. When given, the policy tracks faces (FaceTracker) and judges
   * only the frames of the main face's current track: a new track starts the window over.
   */
  box?: Box;
  /**
   * The face's track from an upstream tracker (the inference host's, which also splits a track when
   * the face in it turns out to be someone else). When every face has one, it is used instead of
   * the policy's own box tracker.
   */
  track?: number;
  /** The five landmarks (eyes, nose, mouth corners), for the step-up challenge. */
  landmarks?: readonly Point[];
}

/** One analysed frame: its faces, main face first. */
export interface PolicyFrame {
  faces: PolicyFace[];
}

/** What the policy needs to know about a person at decision time. */
export interface PersonFacts {
  /** Inactive people are recognised but never let in. */
  active: boolean;
  /** May open this door now (schedule, group rules: the caller decides). */
  allowed: boolean;
  /**
   * The rule lets this person in with the face AND a PIN (face_and_pin): a live, known face is
   * then refused with 'pin_required' instead of granted, and the kiosk asks for the PIN.
   */
  secondFactor?: boolean;
}

/** Facts about a person, or undefined when the person no longer exists. */
export type PersonLookup = (personId: number) => PersonFacts | undefined;

/** Milliseconds; injected so tests can drive time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AccessPolicySettings {
  /** K: frames that must agree on one person ... */
  framesToAgree: number;
  /** ... among the last N frames. */
  frameWindow: number;
  /** After a decision, the same person standing there triggers nothing new for this long. */
  cooldownSeconds: number;
  /** The door opens only for a face judged live (on by default). */
  livenessRequired: boolean;
  /** Median liveness score at or above which the agreeing frames are live. */
  livenessThreshold: number;
  /** False when no liveness model loaded: with livenessRequired, nobody is ever granted. */
  livenessAvailable: boolean;
  /** With livenessRequired and no liveness model: still log attendance (the door stays shut). */
  attendanceWithoutLiveness: boolean;
  /** No face for this long (or a gap this long between frames) means the person left: start over. */
  absenceResetMs: number;
  /** When to ask for a step-up challenge (settings.liveness.stepUp). */
  stepUp: StepUpMode;
  /**
   * Lower edge of the unsure band: a median liveness in [livenessUnsureFloor, livenessThreshold)
   * is unsure (challenge when stepUp allows), under it the face is refused outright. Measured on
   * ../shared/datasets/spoof-dev, docs/liveness.md.
   */
  livenessUnsureFloor: number;
  /** Time the person has to do the challenge. */
  challengeTimeoutMs: number;
  /**
   * The pack's liveness second opinion (face-antispoof-onnx): null when the pack has none. Else a
   * face the pair would let in waits for it on framesToAgree frames of its track
   * (wantsSecondOpinion), and where the lower median of those scores is under this threshold it is
   * unsure instead (challenged, or refused with stepUp 'off'). docs/liveness.md.
   */
  secondOpinionThreshold: number | null;
}

export const defaultAccessPolicySettings: AccessPolicySettings = Object.freeze({
  framesToAgree: 3,
  frameWindow: 5,
  cooldownSeconds: 10,
  livenessRequired: true,
  livenessThreshold: 0.5,
  livenessAvailable: false,
  attendanceWithoutLiveness: false,
  absenceResetMs: 1500,
  stepUp: 'when_unsure',
  livenessUnsureFloor: 0.2,
  challengeTimeoutMs: 4000,
  secondOpinionThreshold: null,
});
