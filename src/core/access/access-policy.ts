import { FaceGateError } from '../errors';
import type {
  AccessReason,
  CannotJudgeReason,
  PolicyDecision,
  PolicyDecisionKind,
} from '../../shared/access';
import { randomInt } from 'node:crypto';
import { Challenge } from './challenge';
import { FaceTracker } from './face-tracker';
import type { LivenessResult } from '../face/types';
import { lowerMedian, mode } from './median';
import {
  defaultAccessPolicySettings,
  systemClock,
  type AccessPolicySettings,
  type Clock,
  type PersonLookup,
  type PolicyFace,
  type PolicyFrame,
} from './types';

/** Who the main face of a frame is: a person id, 'unknown', or null for no face. */
type Identity = number | 'unknown' | null;

interface Observation {
  at: number;
  identity: Identity;
  face: PolicyFace | null;
}

interface Outcome {
  kind: PolicyDecisionKind;
  reason: AccessReason | null;
  logAttendance: boolean;
  liveness: PolicyDecision['liveness'];
}

/** Reasons that may change while the person stays (they move, liveness gets judged): no cool-down. */
const transientReasons = new Set<AccessReason>([
  'face_too_small',
  'face_too_close',
  'face_at_edge',
  'liveness_missing',
]);

function checkSettings(s: AccessPolicySettings): void {
  const ok =
    Number.isInteger(s.framesToAgree) &&
    Number.isInteger(s.frameWindow) &&
    s.framesToAgree >= 1 &&
    s.frameWindow >= s.framesToAgree &&
    s.cooldownSeconds >= 0 &&
    s.absenceResetMs > 0 &&
    s.livenessThreshold >= 0 &&
    s.livenessThreshold <= 1 &&
    s.livenessUnsureFloor >= 0 &&
    s.livenessUnsureFloor <= s.livenessThreshold &&
    s.challengeTimeoutMs > 0 &&
    (s.secondOpinionThreshold === null || (s.secondOpinionThreshold >= 0 && s.secondOpinionThreshold <= 1));
  if (!ok) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Access policy settings are inconsistent: need 1 <= framesToAgree (${s.framesToAgree}) <= frameWindow ` +
        `(${s.frameWindow}), cooldownSeconds >= 0 (${s.cooldownSeconds}), absenceResetMs > 0 (${s.absenceResetMs}) ` +
        `a liveness threshold in [0, 1] (${s.livenessThreshold}), an unsure floor (${s.livenessUnsureFloor}) ` +
        `between 0 and the threshold, a positive challenge time (${s.challengeTimeoutMs} ms) and a second ` +
        `opinion threshold in [0, 1] or null (${s.secondOpinionThreshold}).`,
    );
  }
}

/**
 * Turns a stream of analysed frames into access decisions. A decision needs K of the last N frames
 * to agree on one person (main face) with no other known person among them; liveness is the lower
 * median over the agreeing frames, so one lucky frame cannot open the door. A decision is acted on
 * once ('fresh'); the same person standing there repeats it without acting until the cool-down
 * ends. When the face leaves (no face, or no frame, for absenceResetMs) everything starts over.
 * Fail closed: with liveness required and no liveness model, nobody is granted.
 */
export class AccessPolicy {
  private settings: AccessPolicySettings;
  private window: Observation[] = [];
  private lastFaceAt = Number.NEGATIVE_INFINITY;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  /** The gaps between the last frames (ms), newest last: how long a window of frames takes now. */
  private gaps: number[] = [];
  private last: { identity: Identity; decision: PolicyDecision; until: number } | null = null;
  /** The last transient (cannot judge) outcome announced, so it is announced once. */
  private announced: string | null = null;
  private readonly tracker = new FaceTracker();
  /** The track of the main face in the window's frames (null: frames carry no boxes). */
  private track: number | null = null;
  /** The track the last decision was made on. */
  private lastTrack: number | null = null;
  /** The step-up challenge in progress, for one person on one track. */
  private pending: {
    challenge: Challenge;
    identity: Identity;
    agreeing: Observation[];
    liveness: Outcome['liveness'];
  } | null = null;
  /** The last frame's main face would be let in but lacks the second opinion: ask for it next frame. */
  private secondWanted = false;
  /**
   * The second-opinion scores of the current track's main face, by identity (per-track liveness
   * state, issue 12): the stream decision needs framesToAgree of them, like the pair, and a track
   * gets them once, however long the person stands there (about 8 ms each). A new track starts
   * empty, so a picture swapped in cannot borrow a live face's second opinion.
   */
  private trackSeconds: { identity: Identity; score: number }[] = [];

  constructor(
    settings: Partial<AccessPolicySettings>,
    private readonly people: PersonLookup,
    private readonly clock: Clock = systemClock,
    /** Picks the challenge action: uniform in [0, 1), unpredictable by default. */
    private readonly random: () => number = () => randomInt(0, 2 ** 32) / 2 ** 32,
  ) {
    this.settings = { ...defaultAccessPolicySettings, ...settings };
    checkSettings(this.settings);
  }

  /**
   * True when the next frame's main face should also get the pack's second liveness opinion
   * (analyze option secondOpinion): a known, allowed face whose passive median would let it in and
   * no agreeing frame carries one yet. Once per track decision, not every frame (it costs about
   * twice the pair).
   */
  get wantsSecondOpinion(): boolean {
    return this.secondWanted;
  }

  /**
   * True while a decision made on the current track holds (its cool-down) for at least marginMs
   * more, and for at least the time a window of frames takes at the current frame rate, and no
   * challenge is asked, and the last frame's main face was the person decided on. No fresh
   * decision can come from the next frame, and the frames the next decision will count (the last
   * frameWindow before the hold ends) are still to come: the caller may reuse the track's
   * embedding and leave the main face's liveness unjudged (track, then recognise). A frame left unjudged counts as unjudged, never as live: if the frame rate drops
   * so that one is still in the window when the hold ends, the decision waits for judged frames.
   */
  settled(marginMs: number): boolean {
    const windowMs = (this.settings.frameWindow + 1) * Math.max(0, ...this.gaps);
    return (
      this.last !== null &&
      this.pending === null &&
      this.track !== null &&
      this.lastTrack === this.track &&
      // The last frame still showed the person decided on: someone else recognised on the same
      // track (a look-alike the re-verification did not split off) is judged from the next frame.
      this.window.at(-1)?.identity === this.last.identity &&
      this.clock.now() + Math.max(marginMs, windowMs) < this.last.until
    );
  }

  get currentSettings(): Readonly<AccessPolicySettings> {
    return this.settings;
  }

  /** New settings apply from the next frame; the evidence gathered so far is dropped. */
  configure(settings: Partial<AccessPolicySettings>): void {
    const next = { ...this.settings, ...settings };
    checkSettings(next);
    this.settings = next;
    this.reset();
  }

  /** Forget every frame and decision (the person left, the camera restarted). */
  reset(): void {
    this.window = [];
    this.last = null;
    this.announced = null;
    this.lastFaceAt = Number.NEGATIVE_INFINITY;
    this.gaps = [];
    this.tracker.reset();
    this.track = null;
    this.lastTrack = null;
    this.pending = null;
    this.secondWanted = false;
    this.trackSeconds = [];
  }

  observe(frame: PolicyFrame): PolicyDecision {
    const now = this.clock.now();
    const { absenceResetMs, frameWindow } = this.settings;
    if (now - this.lastFrameAt >= absenceResetMs) this.reset();
    else {
      this.gaps.push(now - this.lastFrameAt);
      if (this.gaps.length > frameWindow) this.gaps.shift();
    }
    this.lastFrameAt = now;

    const face = frame.faces[0] ?? null;
    if (face) this.lastFaceAt = now;
    else if (now - this.lastFaceAt >= absenceResetMs) this.reset();

    // Liveness is judged over the frames of one tracked face: when the main face is a new track
    // (a picture swapped in, another person), the frames before it no longer count.
    const boxes = frame.faces.map((f) => f.box);
    const upstream = frame.faces.every((f) => f.track !== undefined);
    if (face && (upstream || boxes.every((b) => b !== undefined))) {
      const track = upstream
        ? (face.track as number)
        : this.tracker.update(boxes as NonNullable<(typeof boxes)[number]>[], now)[0];
      if (this.track !== null && track !== this.track) {
        this.window = [];
        this.announced = null;
        this.pending = null;
        this.trackSeconds = [];
      }
      this.track = track;
    }

    const identity: Identity = face ? (face.personId ?? 'unknown') : null;
    this.window.push({ at: now, identity, face });
    const second = face?.liveness?.verdict !== 'cannot_judge' ? face?.liveness?.second : undefined;
    if (typeof second === 'number') {
      this.trackSeconds.push({ identity, score: second });
      if (this.trackSeconds.length > 2 * this.settings.framesToAgree) this.trackSeconds.shift();
    }
    if (this.window.length > frameWindow) this.window.splice(0, this.window.length - frameWindow);

    if (this.pending) {
      const answered = this.answerChallenge(face, now);
      if (answered) return answered;
    }
    if (!face) return this.status('no_face', 'no_face', null, [], now);
    const agreed = this.agreedIdentity();
    if (agreed === null) return this.status('pending', null, null, [], now);
    const agreeing = this.window.filter((o) => o.identity === agreed);

    if (this.last && this.last.identity === agreed && now < this.last.until) {
      return { ...this.last.decision, fresh: false, openDoor: false, logAttendance: false, at: now };
    }

    this.secondWanted = this.needsSecondOpinion(agreed, agreeing);
    if (this.secondWanted) {
      return this.status('pending', null, typeof agreed === 'number' ? agreed : null, agreeing, now);
    }
    const outcome = this.decide(agreed, agreeing);
    if (outcome.reason === 'challenge') {
      const challenge = Challenge.random(now, this.random, {
        timeoutMs: this.settings.challengeTimeoutMs,
        minTurn: 0.2,
      });
      challenge.observe(face.landmarks ?? null, now);
      this.pending = { challenge, identity: agreed, agreeing, liveness: outcome.liveness };
      return this.challengeStatus(now);
    }
    const transient = outcome.reason !== null && transientReasons.has(outcome.reason);
    const key = `${String(agreed)}|${outcome.kind}|${outcome.reason}`;
    const fresh = transient ? this.announced !== key : true;
    const decision = this.build(outcome, agreed, agreeing, now, fresh);
    if (transient) {
      this.announced = key;
    } else {
      this.announced = null;
      this.last = { identity: agreed, decision, until: now + this.settings.cooldownSeconds * 1000 };
      this.lastTrack = this.track;
    }
    return decision;
  }

  /**
   * The identity K of the last N frames agree on: a person, or 'unknown' when the window holds
   * no known person at all; null while undecided or when two known people alternate.
   */
  private agreedIdentity(): Identity {
    const counts = new Map<Identity, number>();
    for (const o of this.window)
      if (o.identity !== null) counts.set(o.identity, (counts.get(o.identity) ?? 0) + 1);
    const known = [...counts.keys()].filter((k) => typeof k === 'number');
    if (known.length > 1) return null;
    const K = this.settings.framesToAgree;
    if (known.length === 1) return (counts.get(known[0]) ?? 0) >= K ? known[0] : null;
    return (counts.get('unknown') ?? 0) >= K ? 'unknown' : null;
  }

  /** The current track's second-opinion scores of this identity, the most recent framesToAgree. */
  private secondsOf(identity: Identity): number[] {
    return this.trackSeconds
      .filter((s) => s.identity === identity)
      .map((s) => s.score)
      .slice(-this.settings.framesToAgree);
  }

  /** The judged liveness of the agreeing frames. */
  private judgedOf(agreeing: Observation[]): { faces: PolicyFace[]; judged: LivenessResult[] } {
    const faces = agreeing.map((o) => o.face).filter((f): f is PolicyFace => f !== null);
    const judged = faces
      .map((f) => f.liveness)
      .filter((l): l is LivenessResult => l !== null && l.verdict !== 'cannot_judge');
    return { faces, judged };
  }

  /**
   * Whether the decision waits for the second opinion: only where it can change it, a known
   * allowed person whose passive median passes (in the unsure band they are challenged anyway, and
   * with stepUp 'always' everyone is), until the track has framesToAgree second-opinion scores of
   * this person (one frame's score is too noisy to let a face in on: docs/liveness.md).
   */
  private needsSecondOpinion(agreed: Identity, agreeing: Observation[]): boolean {
    const s = this.settings;
    if (s.secondOpinionThreshold === null || !s.livenessRequired || !s.livenessAvailable) return false;
    if (s.stepUp === 'always' || typeof agreed !== 'number') return false;
    const person = this.people(agreed);
    if (!person?.active || !person.allowed) return false;
    const { judged } = this.judgedOf(agreeing);
    if (judged.length < s.framesToAgree) return false;
    if (lowerMedian(judged.map((l) => l.score)) < s.livenessThreshold) return false;
    return this.secondsOf(agreed).length < s.framesToAgree;
  }

  private decide(agreed: Identity, agreeing: Observation[]): Outcome {
    const s = this.settings;
    const { faces, judged } = this.judgedOf(agreeing);
    const liveness = judged.length
      ? { score: lowerMedian(judged.map((l) => l.score)), frames: judged.length }
      : null;
    const outcome = (kind: PolicyDecisionKind, reason: AccessReason, logAttendance: boolean): Outcome => ({
      kind,
      reason,
      logAttendance,
      liveness,
    });

    // A stranger's printed photo is an attack too: report it as one (logged as a spoof), not as a
    // visitor, when the agreeing frames were judged and fail liveness.
    const judgedSpoof =
      s.livenessRequired &&
      s.livenessAvailable &&
      judged.length >= s.framesToAgree &&
      liveness !== null &&
      liveness.score < s.livenessThreshold;
    if (agreed === 'unknown')
      return judgedSpoof ? outcome('not_live', 'spoof', true) : outcome('unknown', 'not_identified', true);
    const person = typeof agreed === 'number' ? this.people(agreed) : undefined;
    if (!person) return outcome('denied', 'person_missing', true);

    if (s.livenessRequired) {
      if (!s.livenessAvailable) {
        return outcome('cannot_judge', 'liveness_unavailable', s.attendanceWithoutLiveness && person.active);
      }
      if (judged.length < s.framesToAgree) {
        const reasons = faces
          .map((f) => (f.liveness?.verdict === 'cannot_judge' ? f.liveness.reason : undefined))
          .filter(
            (r): r is CannotJudgeReason =>
              r === 'face_too_small' || r === 'face_too_close' || r === 'face_at_edge',
          );
        return outcome('cannot_judge', mode(reasons) ?? 'liveness_missing', false);
      }
      if (!liveness) return outcome('not_live', 'spoof', true);
      // The second opinion doubts a face the pair would let in: it is unsure instead.
      const seconds = this.secondsOf(agreed);
      const doubted =
        s.secondOpinionThreshold !== null &&
        !judgedSpoof &&
        seconds.length > 0 &&
        lowerMedian(seconds) < s.secondOpinionThreshold;
      // The stream decision: under the unsure band refused, in it (or always, when the door says
      // so) a step-up challenge for a person who would otherwise be let in.
      const unsure =
        doubted || (liveness.score >= s.livenessUnsureFloor && liveness.score < s.livenessThreshold);
      const ask = s.stepUp === 'always' ? !judgedSpoof || unsure : s.stepUp === 'when_unsure' && unsure;
      if (ask && person.active && person.allowed) return outcome('pending', 'challenge', false);
      if (judgedSpoof || doubted) return outcome('not_live', 'spoof', true);
    }
    if (!person.active) return outcome('denied', 'inactive', true);
    if (!person.allowed) return outcome('denied', 'not_allowed', true);
    // Live and known, but the rule wants the PIN too: the kiosk asks for it (docs/access.md).
    if (person.secondFactor) return outcome('denied', 'pin_required', true);
    return outcome('granted', s.livenessRequired ? 'live_known_allowed' : 'liveness_not_required', true);
  }

  /** The challenged person's frame: still asking (pending), or the decision the answer gives. */
  private answerChallenge(face: PolicyFace | null, now: number): PolicyDecision | null {
    const pending = this.pending;
    if (!pending) return null;
    // Someone else recognised in front of the camera ends the challenge (no decision).
    if (face && face.personId !== null && face.personId !== pending.identity) {
      this.pending = null;
      this.window = [];
      return null;
    }
    const state = pending.challenge.observe(face?.landmarks ?? null, now);
    if (state === 'asking') return this.challengeStatus(now);
    this.pending = null;
    const passed = state === 'passed';
    const outcome: Outcome = {
      kind: passed ? 'granted' : 'not_live',
      reason: passed ? 'live_challenge_passed' : 'challenge_failed',
      logAttendance: true,
      liveness: pending.liveness,
    };
    const decision = this.build(outcome, pending.identity, pending.agreeing, now, true);
    // After a failure the person may try again (a fresh random action) once the answer was shown.
    const hold = passed
      ? this.settings.cooldownSeconds * 1000
      : Math.min(this.settings.cooldownSeconds * 1000, 2000);
    this.last = { identity: pending.identity, decision, until: now + hold };
    this.lastTrack = this.track;
    this.window = [];
    return decision;
  }

  private challengeStatus(now: number): PolicyDecision {
    const pending = this.pending as NonNullable<typeof this.pending>;
    return {
      ...this.status(
        'pending',
        'challenge',
        typeof pending.identity === 'number' ? pending.identity : null,
        pending.agreeing,
        now,
      ),
      liveness: pending.liveness,
      challenge: { action: pending.challenge.action, deadline: pending.challenge.deadline },
    };
  }

  private build(
    outcome: Outcome,
    agreed: Identity,
    agreeing: Observation[],
    now: number,
    fresh: boolean,
  ): PolicyDecision {
    const similarities = agreeing
      .map((o) => o.face?.similarity)
      .filter((v): v is number => typeof v === 'number');
    return {
      kind: outcome.kind,
      reason: outcome.reason,
      fresh,
      openDoor: fresh && outcome.kind === 'granted',
      logAttendance: fresh && outcome.logAttendance,
      personId: typeof agreed === 'number' ? agreed : null,
      similarity: similarities.length ? lowerMedian(similarities) : null,
      liveness: outcome.liveness,
      agreeing: agreeing.length,
      window: this.settings.frameWindow,
      challenge: null,
      at: now,
    };
  }

  private status(
    kind: PolicyDecisionKind,
    reason: AccessReason | null,
    personId: number | null,
    agreeing: Observation[],
    now: number,
  ): PolicyDecision {
    return {
      kind,
      reason,
      fresh: false,
      openDoor: false,
      logAttendance: false,
      personId,
      similarity: null,
      liveness: null,
      agreeing: agreeing.length,
      window: this.settings.frameWindow,
      challenge: null,
      at: now,
    };
  }
}
