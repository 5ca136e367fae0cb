import { decisionThreshold } from '../gallery/gallery-threshold';
import { performance } from 'node:perf_hooks';
import type { AccessDecision, CallArgs, CallResult, FrameFace, FrameResult } from '../../shared/contract';
import type { PolicyDecision } from '../../shared/access';
import type { Settings } from '../../shared/settings';
import { AccessPolicy } from '../access/access-policy';
import { defaultAccessPolicySettings } from '../access/types';
import { mainDoor } from '../../shared/access-rules';
import type { AccessRulesGate } from './access-rules-gate';
import type { Attendance } from '../attendance/attendance';
import type { Sighting } from '../attendance/recorder';
import type { LivenessResult } from '../face/types';
import type { Gallery } from '../gallery/gallery';
import type { Person } from '../../shared/people';
import { SerialQueue } from '../serial-queue';
import type { FaceOptions, HostAnalysis, InferenceHost } from '../inference';
import type { DoorManager } from './door-manager';
import type { EventSnapshots } from '../attendance/snapshots';
import type { RgbImage } from '../image/types';
import type { EventBus } from './event-bus';
import { FrozenStreamCheck } from './frozen-stream';
import type { HeldFrame } from './frame-port-broker';
import { defaultRecognitionSchedule } from '../../shared/tracking';
import type { ModelManager } from './model-manager';
import type { CallerSession } from './session';

/** A frame with its pixels, or one the inference process holds (a kiosk's frame port: HeldFrame). */
type Frame = CallArgs<'frames.submit'> | HeldFrame;
type TryPhotoResult = CallResult<'recognition.tryPhoto'>;
type Direction = 'check_in' | 'check_out';

const outcomes: Partial<Record<PolicyDecision['kind'], Sighting['outcome']>> = {
  granted: 'recognised',
  denied: 'denied',
  unknown: 'unknown',
  not_live: 'spoof',
};

/** How long an In/Out choice at the kiosk waits for the person to be recognised. */
export const choiceLifetimeMs = 30_000;
const fpsWindowMs = 5_000;

export interface FramePipelineDeps {
  host: InferenceHost;
  models: ModelManager;
  gallery: Gallery;
  attendance: Attendance;
  door: DoorManager;
  bus: EventBus;
  settings: () => Settings;
  now: () => number;
  log: (line: string) => void;
  /** Groups, schedules, validity (docs/access.md); without it a known active person may always enter. */
  rules?: AccessRulesGate;
  /** Event snapshots (the face crop at a decision); without it none are kept. */
  snapshots?: EventSnapshots;
  /** Every decision a kiosk's frames led to (PIN after face, anti-passback passages). */
  decided?: (session: CallerSession, decision: AccessDecision) => void;
  /**
   * Track, then recognise (default true): embed a kiosk's faces per track, not on every frame, and
   * leave the main face unjudged while a decision holds; 'judge-every-frame' judges it anyway.
   */
  tracking?: boolean | 'judge-every-frame';
  /**
   * Overlapped frames (default false): a kiosk's frame n+1 is detected while frame n is embedded
   * and judged (at most one frame per stage, the newest waiting frame wins, results in order).
   * The host must be loaded with overlap for the detection to run on its own thread.
   */
  overlap?: boolean;
}

/** A face of the deciding frame, as the snapshot needs it. */
interface SeenFace {
  box: FrameFace['box'];
  personId: number | null;
  aligned: RgbImage | undefined;
}

/** What each kiosk (connection) has of its own: two kiosks on one host never share it. */
interface KioskState {
  busy: boolean;
  /** Overlapped frames: the detect stage and the finish stage, each bounded (newest wins). */
  detecting: SerialQueue;
  finishing: SerialQueue;
  choice: { kind: Direction; until: number } | null;
  policy: AccessPolicy;
  frozen: FrozenStreamCheck;
  session: CallerSession;
}

/** Frames that cannot come from a live camera are logged at most this often per kiosk. */
const injectionLogMs = 60_000;

/**
 * The path of one camera frame: analyse it in the inference host, identify each face against
 * the gallery, feed the access policy, and act on a fresh decision (pulse the door, write the
 * attendance event, announce it). One frame in flight at most per kiosk: a frame arriving while
 * one is being analysed is dropped and counted, never queued, so the kiosk always sees the newest.
 * With `overlap`, two stages per kiosk (detect; then track, judge, embed, match, decide), each with
 * one frame at work and the newest one waiting (SerialQueue.runLatest): frame n+1 is detected while
 * frame n is judged, results come in arrival order, and each frame's options are decided after the
 * frame before it was judged, as in the serial path.
 * Each kiosk (connection) has its own K-of-N window, cool-down and In/Out choice. A frame that is
 * bit-identical to the one before (a picture injected in a loop, a frozen stream) is refused
 * before analysis and never counts as evidence; such runs are logged as `injection`.
 */
export class FramePipeline {
  private frameId = 0;
  private readonly kiosks = new Map<string, KioskState>();
  private recent: number[] = [];
  /** Each person read once per frame: identify, the policy and the decision share this. */
  private people = new Map<number, Person | undefined>();
  /** The door pulses and database writes of decisions, in order, after the frame's result has gone. */
  private readonly writes = new SerialQueue();
  private decisionId = 0;
  processed = 0;
  dropped = 0;
  lastFrameAt: number | null = null;

  constructor(private readonly deps: FramePipelineDeps) {}

  /** The person as read once for this frame (the memo is cleared as each frame starts). */
  private person(id: number): Person | undefined {
    if (!this.people.has(id)) this.people.set(id, this.deps.gallery.people.get(id));
    return this.people.get(id);
  }

  /** Resolves once every door pulse and database write queued so far is done (tests, shutdown). */
  settle(): Promise<void> {
    return this.writes.run(async () => undefined);
  }

  private kiosk(session: CallerSession): KioskState {
    let state = this.kiosks.get(session.id);
    if (!state) {
      const policy = new AccessPolicy(
        {},
        (personId) => {
          const person = this.person(personId);
          if (!person) return undefined;
          // The face is what this kiosk saw (anti-passback needs the kiosk too, docs/access.md).
          const verdict = this.deps.rules?.verdict(personId, this.deps.now(), mainDoor, 'face', session);
          const secondFactor = verdict?.code === 'pin_required';
          return {
            active: person.active,
            allowed: verdict ? verdict.allowed || secondFactor : true,
            secondFactor,
          };
        },
        { now: this.deps.now },
      );
      policy.configure(this.policySettings());
      state = {
        busy: false,
        detecting: new SerialQueue(),
        finishing: new SerialQueue(),
        choice: null,
        policy,
        frozen: new FrozenStreamCheck(),
        session,
      };
      this.kiosks.set(session.id, state);
    }
    return state;
  }

  /** The kiosk's connection closed: its evidence and choice go with it. */
  endKiosk(session: CallerSession): void {
    this.kiosks.delete(session.id);
  }

  /** Settings or the liveness judge changed: every kiosk's policy starts over with the new rules. */
  configure(): void {
    const settings = this.policySettings();
    for (const state of this.kiosks.values()) state.policy.configure(settings);
  }

  private policySettings() {
    const settings = this.deps.settings();
    const liveness = this.deps.models.liveness;
    return {
      framesToAgree: settings.access.framesToAgree,
      frameWindow: settings.access.frameWindow,
      cooldownSeconds: settings.access.cooldownSeconds,
      livenessRequired: settings.liveness.requiredForDoor,
      livenessAvailable: liveness.state === 'ready',
      ...(liveness.threshold !== null ? { livenessThreshold: liveness.threshold } : {}),
      attendanceWithoutLiveness: settings.liveness.attendanceWithoutLiveness,
      stepUp: settings.liveness.stepUp,
      // The unsure band never reaches above an admin's own (lower) threshold.
      livenessUnsureFloor: Math.min(
        defaultAccessPolicySettings.livenessUnsureFloor,
        liveness.threshold ?? defaultAccessPolicySettings.livenessThreshold,
      ),
      secondOpinionThreshold: liveness.secondOpinion?.threshold ?? null,
    };
  }

  /** Explicit in/out mode: what the next person recognised at this kiosk is logged as (for a short while). */
  choose(session: CallerSession, kind: Direction): { kind: Direction; until: string } {
    const until = this.deps.now() + choiceLifetimeMs;
    this.kiosk(session).choice = { kind, until };
    return { kind, until: new Date(until).toISOString() };
  }

  /** Processed frames per second over the last few seconds. */
  fps(): number {
    const now = this.deps.now();
    this.recent = this.recent.filter((t) => now - t <= fpsWindowMs);
    return this.recent.length / (fpsWindowMs / 1000);
  }

  async submit(frame: Frame, session: CallerSession): Promise<FrameResult> {
    const kiosk = this.kiosk(session);
    if (!this.deps.overlap && kiosk.busy) {
      this.dropped++;
      return { status: 'dropped', timestamp: frame.timestamp, reason: 'busy' };
    }
    if (!this.deps.models.ready)
      return { status: 'dropped', timestamp: frame.timestamp, reason: 'not_ready' };
    const frozen = kiosk.frozen.observe(frame);
    if (frozen) {
      this.dropped++;
      if (frozen === 'injection') this.noteInjection(kiosk, session);
      return { status: 'dropped', timestamp: frame.timestamp, reason: 'frozen' };
    }
    const arrived = performance.now();
    // A frame held in the inference host (a kiosk's frame port) travels by reference.
    const pixels =
      'held' in frame
        ? { width: frame.width, height: frame.height, data: new Uint8Array(0), held: frame.held }
        : {
            width: frame.width,
            height: frame.height,
            data: frame.data,
            format: frame.format,
            color: frame.color,
          };
    if (!this.deps.overlap) {
      kiosk.busy = true;
      try {
        return await this.process(frame, kiosk, session, arrived, (options) =>
          this.deps.host.analyzeFrame(pixels, options),
        );
      } finally {
        kiosk.busy = false;
      }
    }
    // Overlapped: detect as soon as the detect stage is free, then finish in arrival order once the
    // frame before has been judged (so the options below see the policy after it, as serially).
    const busy = (): FrameResult => {
      this.dropped++;
      return { status: 'dropped', timestamp: frame.timestamp, reason: 'busy' };
    };
    const settings = this.deps.settings();
    const detected = await kiosk.detecting.runLatest(
      () =>
        this.deps.host.detectFrame(pixels, {
          maxFaces: settings.recognition.maxFaces,
          minFaceSize: settings.recognition.minFaceSize,
        }),
      () => null,
    );
    if (!detected) return busy();
    return await kiosk.finishing.runLatest(
      () =>
        this.process(frame, kiosk, session, arrived, (options) =>
          this.deps.host.finishFrame(detected.ticket, options),
        ),
      busy,
    );
  }

  /** A frame after the checks: analysed by `analyse` with this frame's options, matched, judged, acted on. */
  private async process(
    frame: Frame,
    kiosk: KioskState,
    session: CallerSession,
    arrived: number,
    analyse: (options: FaceOptions) => Promise<HostAnalysis>,
  ): Promise<FrameResult> {
    const settings = this.deps.settings();
    const livenessReady = this.deps.models.liveness.state === 'ready';
    const settled = kiosk.policy.settled(defaultRecognitionSchedule.everyMs);
    const analysis = await analyse({
      maxFaces: settings.recognition.maxFaces,
      minFaceSize: settings.recognition.minFaceSize,
      liveness: livenessReady,
      // The pack's second liveness opinion, on the frame after a decision came near (issue 12).
      secondOpinion: livenessReady && kiosk.policy.wantsSecondOpinion,
      // The aligned crops come back only when event snapshots are kept (docs/ui.md).
      keepAligned: settings.snapshots.keepDays > 0,
      // Track, then recognise: the main face is embedded and judged afresh whenever the policy may
      // decide on this frame or count it later; while a decision holds, the track's embedding is
      // reused and re-verified, and its liveness waits for the frames before the hold ends.
      ...(this.deps.tracking !== false
        ? {
            track: {
              stream: session.id,
              verifyMain: !settled,
              judgeMain: !settled || this.deps.tracking === 'judge-every-frame',
            },
          }
        : {}),
    });
    const matchStarted = performance.now();
    this.people.clear();
    const faces = analysis.faces.map((face) => this.identify(face, settings));
    const decision = kiosk.policy.observe({
      faces: faces.map(({ view, personId, liveness, track }) => ({
        personId,
        similarity: view.similarity,
        liveness,
        box: view.box,
        landmarks: view.landmarks,
        ...(track !== undefined ? { track } : {}),
      })),
    });
    const acted =
      decision.fresh && decision.kind !== 'pending'
        ? this.act(
            decision,
            settings,
            kiosk,
            analysis.faces.map((f, i) => ({ box: f.box, personId: faces[i].personId, aligned: f.aligned })),
          )
        : null;
    if (acted) this.deps.decided?.(session, acted);
    const matchMs = performance.now() - matchStarted;
    const now = this.deps.now();
    this.processed++;
    this.lastFrameAt = now;
    this.recent.push(now);
    return {
      status: 'processed',
      frameId: this.frameId++,
      timestamp: frame.timestamp,
      width: analysis.width,
      height: analysis.height,
      faces: faces.map((f) => f.view),
      decision: acted,
      tracking: {
        kind: decision.kind,
        reason: decision.reason,
        agreeing: decision.agreeing,
        needed: settings.access.framesToAgree,
        challenge: decision.challenge
          ? {
              action: decision.challenge.action,
              msLeft: Math.max(0, decision.challenge.deadline - decision.at),
            }
          : null,
      },
      timings: {
        detect: analysis.timings.detect,
        align: analysis.timings.align,
        embed: analysis.timings.embed,
        liveness: analysis.timings.liveness,
        analyze: analysis.timings.total + analysis.prepareMs,
        match: matchMs,
        total: performance.now() - arrived,
      },
    };
  }

  /**
   * What the kiosk would decide for one photo, and why, without acting (no door, no event): the
   * photo's main face identified as a frame would be, judged by a policy with this policy's
   * settings that needs just this one frame. For admin's "Try a photo" page.
   */
  async tryPhoto(bytes: Uint8Array, name: string): Promise<TryPhotoResult> {
    const settings = this.deps.settings();
    const livenessReady = this.deps.models.liveness.state === 'ready';
    const analysis = await this.deps.host.analyzePhoto(bytes, name, {
      maxFaces: settings.recognition.maxFaces,
      minFaceSize: settings.recognition.minFaceSize,
      liveness: livenessReady,
    });
    const faces = analysis.faces.map((face) => this.identify(face, settings));
    const once = new AccessPolicy(
      { ...this.policySettings(), framesToAgree: 1, frameWindow: 1, cooldownSeconds: 0 },
      (personId) => {
        const person = this.deps.gallery.people.get(personId);
        return person ? { active: person.active, allowed: true } : undefined;
      },
      { now: this.deps.now },
    );
    const decision = once.observe({
      faces: faces.map(({ view, personId, liveness }) => ({
        personId,
        similarity: view.similarity,
        liveness,
      })),
    });
    const main = faces[0]?.view ?? null;
    return {
      faces: faces.length,
      kind: decision.kind === 'pending' ? 'no_face' : (decision.kind as TryPhotoResult['kind']),
      reason: decision.reason,
      person: main?.person ?? null,
      similarity: main?.similarity ?? null,
      threshold: this.matchThreshold(settings),
      liveness: main?.liveness ?? null,
      livenessRequired: settings.liveness.requiredForDoor,
      livenessThreshold: this.deps.models.liveness.threshold,
    };
  }

  /** The camera went away or came back, or the gallery changed: evidence from before must not count. */
  reset(): void {
    for (const state of this.kiosks.values()) state.policy.reset();
  }

  /** A run of frozen frames: one `injection` event in the access log per kiosk per minute at most. */
  private noteInjection(kiosk: KioskState, session: CallerSession): void {
    const now = this.deps.now();
    if (kiosk.frozen.loggedAt !== null && now - kiosk.frozen.loggedAt < injectionLogMs) return;
    kiosk.frozen.loggedAt = now;
    kiosk.policy.reset();
    this.deps.log(`frames: ${session.label} sent identical frames (injected or frozen stream); refused`);
    void this.writes.run(async () => {
      try {
        const event = this.deps.attendance.injection({
          at: now,
          note: `identical frames from ${session.label}`,
        });
        this.deps.bus.emit('attendance.recorded', event);
      } catch (error) {
        this.deps.log(`frames: could not log the injection: ${(error as Error).message}`);
      }
    });
  }

  /** The 1:N threshold grows with the gallery (docs/gallery.md) unless the admin set one. */
  private matchThreshold(settings: Settings): number {
    const info = this.deps.models.info;
    return info
      ? decisionThreshold(settings.recognition.threshold, info, this.deps.gallery.index()?.size ?? 0)
      : (settings.recognition.threshold ?? 1);
  }

  private identify(
    face: Awaited<ReturnType<InferenceHost['analyzeFrame']>>['faces'][number],
    settings: Settings,
  ): { view: FrameFace; personId: number | null; liveness: LivenessResult | null; track?: number } {
    const liveness = face.liveness
      ? {
          score: face.liveness.score,
          verdict: face.liveness.verdict,
          ...(face.liveness.reason ? { reason: face.liveness.reason } : {}),
        }
      : null;
    const tracked = face.track !== undefined ? { track: face.track } : {};
    const base = { box: face.box, landmarks: face.landmarks, score: face.score, liveness, ...tracked };
    const judged = face.liveness ?? null;
    if (!face.embedding) {
      return {
        view: { ...base, person: null, similarity: null },
        personId: null,
        liveness: judged,
        ...tracked,
      };
    }
    // k = 0: no candidate list (it would read every candidate's name); the best two still decide.
    const result = this.deps.gallery.identify(
      face.embedding,
      { threshold: this.matchThreshold(settings), margin: settings.recognition.margin },
      0,
    );
    if (result.person) this.people.set(result.person.id, result.person);
    const person = result.person ? { id: result.person.id, name: result.person.name } : null;
    return {
      view: { ...base, person, similarity: result.similarity },
      personId: person?.id ?? null,
      liveness: judged,
      ...tracked,
    };
  }

  /**
   * The event's face crop (docs/ui.md, "Event snapshots"): copied from the frame now, encoded and
   * stored off this request. The face is the decided person's, else the largest.
   */
  private keepSnapshot(
    seen: SeenFace[],
    personId: number | null,
    event: { id: number; person: { id: number } | null; at: string },
    settings: Settings,
  ): void {
    if (!this.deps.snapshots) return;
    const area = (f: SeenFace) => (f.box.x2 - f.box.x1) * (f.box.y2 - f.box.y1);
    const face =
      seen.find((f) => personId !== null && f.personId === personId) ??
      [...seen].sort((a, b) => area(b) - area(a))[0];
    if (!face?.aligned) return;
    this.deps.snapshots.capture(
      face.aligned,
      { id: event.id, personId: event.person?.id ?? null, at: Date.parse(event.at) },
      settings.snapshots,
    );
  }

  /**
   * Acts on a fresh decision without holding up the frame: the result says what was decided (the
   * door "opening" when it will be pulsed); the pulse, the attendance write (with its snapshot) and
   * the announcement run after it, in order, and the `access.decision` event carries what the door
   * and the log did.
   */
  private act(
    decision: PolicyDecision,
    settings: Settings,
    kiosk: KioskState,
    seen: SeenFace[],
  ): AccessDecision {
    const now = this.deps.now();
    const person = decision.personId !== null ? (this.person(decision.personId) ?? null) : null;
    // The rule that granted or refused, for the log and the kiosk (evaluated at the same instant).
    const rule =
      person &&
      (decision.kind === 'granted' || decision.reason === 'not_allowed' || decision.reason === 'pin_required')
        ? (this.deps.rules?.verdict(person.id, now, mainDoor, 'face', kiosk.session) ?? null)
        : null;
    const opening = decision.openDoor && this.deps.door.enabled;
    const outcome = outcomes[decision.kind];
    const logs = decision.logAttendance && outcome !== undefined;
    // A pressed In/Out belongs to the next recognised person only: it is used up by them whether
    // or not their event is written (debounced), so it can never pass on to whoever comes next.
    const usesChoice =
      logs && settings.attendance.mode === 'explicit' && outcome === 'recognised' && person !== null;
    const direction = usesChoice && kiosk.choice && kiosk.choice.until >= now ? kiosk.choice.kind : undefined;
    if (usesChoice) kiosk.choice = null;
    const result: AccessDecision = {
      id: ++this.decisionId,
      kind: decision.kind as AccessDecision['kind'],
      person: person ? { id: person.id, name: person.name } : null,
      similarity: decision.similarity,
      liveness: decision.liveness?.score ?? null,
      reason: decision.reason,
      ...(rule ? { rule } : {}),
      doorOpened: false,
      door: opening ? 'opening' : 'none',
      attendance: null,
      at: new Date(now).toISOString(),
    };
    void this.writes.run(async () => {
      let doorOpened = false;
      let door: AccessDecision['door'] = 'none';
      if (opening) {
        door = 'fault';
        try {
          const pulsed = await this.deps.door.pulse('recognised');
          doorOpened = pulsed.opened;
          if (pulsed.opened) door = pulsed.confirmed ? 'open' : 'sent';
        } catch (error) {
          this.deps.log(`door: pulse failed: ${(error as Error).message}`);
        }
      }
      let attendance: AccessDecision['attendance'] = null;
      if (logs && outcome) {
        try {
          const recorded = this.deps.attendance.record({
            outcome,
            personId: person?.id ?? null,
            similarity: decision.similarity,
            liveness: decision.liveness?.score ?? null,
            doorOpened,
            at: now,
            ...(rule ? { note: rule.text } : {}),
            ...(direction ? { direction } : {}),
          });
          if (recorded.recorded) {
            attendance = { kind: recorded.event.kind, eventId: recorded.event.id };
            this.deps.bus.emit('attendance.recorded', recorded.event);
            this.keepSnapshot(seen, decision.personId, recorded.event, settings);
          }
        } catch (error) {
          this.deps.log(`attendance: could not record the decision: ${(error as Error).message}`);
        }
      }
      this.deps.bus.emit('access.decision', { ...result, doorOpened, door, attendance });
    });
    // The access log says which check decided (issue 12): the passive score over the track, or the
    // step-up challenge.
    if (decision.kind === 'granted' || decision.kind === 'not_live') {
      const by =
        decision.reason === 'live_challenge_passed' || decision.reason === 'challenge_failed'
          ? 'step-up challenge'
          : 'passive liveness over the tracked face';
      this.deps.log(
        `access: ${decision.kind} (${decision.reason}) for ${person ? `person ${person.id}` : 'an unknown face'}, decided by ${by}` +
          (decision.liveness
            ? `, median score ${decision.liveness.score.toFixed(3)} over ${decision.liveness.frames} frames`
            : ''),
      );
    }
    return result;
  }
}
