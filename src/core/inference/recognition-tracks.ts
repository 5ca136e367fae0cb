import { FaceTracker } from '../access/face-tracker';
import { cosineSimilarity } from '../face/arcface-embedder';
import type { FaceSelection } from '../face/face-analyzer';
import type { AnalyzedFace, LivenessResult } from '../face/types';
import { defaultRecognitionSchedule, type RecognitionSchedule } from '../../shared/tracking';

/** What the frame path asks of the tracker for one frame. */
export interface TrackRequest {
  /** The stream (kiosk) the frame comes from: each stream has its own tracks. */
  stream: string;
  /** Embed the main face in this frame whatever its track's age (the access policy may decide now). */
  verifyMain: boolean;
  /**
   * Judge the main face's liveness in this frame (default true). False while a decision holds on
   * the main face's track and no frame before the hold ends can feed the next one (AccessPolicy's
   * settled()): the frame is then left unjudged, never given the track's older score.
   */
  judgeMain?: boolean;
}

/** A face of a tracked frame: its track, and whether its embedding was computed for this frame. */
export interface TrackedFace extends AnalyzedFace {
  track?: number;
  /** True when the embedding was computed from this frame; false when the track's last one was reused. */
  fresh?: boolean;
}

interface TrackMemory {
  embedding: Float32Array;
  liveness: LivenessResult | undefined;
  quality: number;
  embeddedAt: number;
  /** Frames since the embedding was computed. */
  age: number;
}

interface Stream {
  tracker: FaceTracker;
  memory: Map<number, TrackMemory>;
  lastAt: number;
}

/** A stream unseen this long is forgotten (its kiosk went away). */
const streamIdleMs = 60_000;

/** How good a face is for recognition: detection score times the shorter side of its box. */
export function faceQuality(face: Pick<AnalyzedFace, 'box' | 'score'>): number {
  return face.score * Math.max(0, Math.min(face.box.x2 - face.box.x1, face.box.y2 - face.box.y1));
}

/**
 * Track, then recognise: faces are followed across a stream's frames (FaceTracker, box IoU) and a
 * track's face is embedded when the track appears, when its quality clearly improves, when the
 * caller asks for the main face (the access policy may decide on this frame), and every so often
 * to re-verify; in between, the track's last embedding is reused. A fresh embedding that no longer
 * matches the track's (cosine under the pack's 1:1 threshold) ends the track: a new face in the
 * same place is a new track, and the decision stays with the track it was made on.
 */
export class RecognitionTracks {
  private readonly streams = new Map<string, Stream>();

  constructor(
    /** Cosine under which two embeddings of one track are not the same person (the pack's 1:1 threshold). */
    private readonly sameThreshold: number,
    private readonly schedule: RecognitionSchedule = defaultRecognitionSchedule,
  ) {}

  /** The analyzer's select hook for one frame, and the step that completes its faces afterwards. */
  begin(
    request: TrackRequest,
    now: number,
  ): {
    select: (faces: readonly AnalyzedFace[]) => FaceSelection;
    finish: (faces: AnalyzedFace[]) => TrackedFace[];
  } {
    this.forgetIdle(now);
    let stream = this.streams.get(request.stream);
    if (!stream) {
      stream = { tracker: new FaceTracker(), memory: new Map(), lastAt: now };
      this.streams.set(request.stream, stream);
    }
    stream.lastAt = now;
    const { tracker, memory } = stream;
    let ids: number[] = [];
    const select = (faces: readonly AnalyzedFace[]): FaceSelection => {
      ids = tracker.update(
        faces.map((f) => f.box),
        now,
      );
      const live = new Set(tracker.current.map((t) => t.id));
      for (const id of memory.keys()) if (!live.has(id)) memory.delete(id);
      /** Faces whose track is only due for its re-verification, and how many frames it waited. */
      const due: { index: number; age: number }[] = [];
      const embed = faces.map((face, i) => {
        const known = memory.get(ids[i]);
        if (!known) return true;
        if (i === 0 && request.verifyMain) return true;
        if (faceQuality(face) >= known.quality * this.schedule.qualityGain) return true;
        if (
          known.age + 1 >= (i === 0 ? this.schedule.mainEveryFrames : this.schedule.everyFrames) ||
          now - known.embeddedAt >= this.schedule.everyMs
        )
          due.push({ index: i, age: known.age });
        return false;
      });
      // Re-verifications are spread out, the main face's first, then the longest waiting: a group
      // that arrived together would otherwise be re-embedded all on one frame, every few frames.
      due.sort((a, b) => (a.index === 0 ? -1 : b.index === 0 ? 1 : b.age - a.age));
      for (const { index } of due.slice(0, this.schedule.reverifyPerFrame)) embed[index] = true;
      // The main face is judged on every frame the policy may use (its median over the agreeing
      // frames). The others only when their track appears: the policy never reads them, and a
      // re-verification checks who the face is, not whether it is live.
      const judgeMain = request.judgeMain !== false;
      return {
        embed,
        liveness: faces.map((_, i) => (i === 0 ? judgeMain : !memory.has(ids[i]))),
      };
    };
    // A face beside the main one shows its track's last score when this frame did not judge it;
    // the main face's liveness is only ever this frame's (the policy's median must not count a
    // score twice, nor one of another frame).
    const shown = (face: AnalyzedFace, i: number, memo: TrackMemory | undefined) =>
      i !== 0 && !face.liveness && memo?.liveness ? { liveness: memo.liveness } : {};
    const finish = (faces: AnalyzedFace[]): TrackedFace[] =>
      faces.map((face, i) => {
        let track = ids[i];
        if (track === undefined) return face;
        let known = memory.get(track);
        if (face.embedding) {
          if (known && cosineSimilarity(known.embedding, face.embedding) < this.sameThreshold) {
            // Someone else where the track's face was: a new track.
            memory.delete(track);
            track = tracker.split(track, now);
            ids[i] = track;
            known = undefined;
          }
          const kept = shown(face, i, known);
          memory.set(track, {
            // The face's own buffer moves to the caller; the track keeps a copy.
            embedding: face.embedding.slice(),
            liveness: face.liveness ?? known?.liveness,
            quality: faceQuality(face),
            embeddedAt: now,
            age: 0,
          });
          return { ...face, ...kept, track, fresh: true };
        }
        if (!known) return { ...face, track, fresh: false };
        known.age++;
        return {
          ...face,
          embedding: known.embedding.slice(),
          ...shown(face, i, known),
          track,
          fresh: false,
        };
      });
    return { select, finish };
  }

  /** Forget one stream (its kiosk closed) or, without an id, every stream (the models changed). */
  forget(stream?: string): void {
    if (stream === undefined) this.streams.clear();
    else this.streams.delete(stream);
  }

  private forgetIdle(now: number): void {
    for (const [id, stream] of this.streams) if (now - stream.lastAt > streamIdleMs) this.streams.delete(id);
  }
}
