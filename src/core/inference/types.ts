import type { ErrorInfo } from '../../shared/errors';
import type { AnalyzerInfo } from '../face';
import type { AnalyzeResult } from '../face/types';
import type { TrackedFace, TrackRequest } from './recognition-tracks';
import type { RgbImage } from '../image/types';
import type { PixelFrame } from '../image/yuv';
import type { ProviderName } from '../../shared/settings';

/** How the analyzer is loaded (from the recognition settings). */
export interface InferenceLoadOptions {
  /** Pack id; undefined picks the catalog's first available default pack. */
  pack?: string;
  providers?: ProviderName[];
  detThreshold?: number;
  threads?: number;
  searchPath?: string[];
  /** Load the pack's liveness models (default true). */
  liveness?: boolean;
  /** Overrides the pack's measured liveness threshold (null or absent keeps it). */
  livenessThreshold?: number | null;
  /**
   * Overlapped frames (docs/DESIGN.md, "Frame path figures"): a second thread in the host runs the
   * detector, so detectFrame() of frame n+1 runs while finishFrame() of frame n embeds and judges.
   * Off (the default), detectFrame() runs in the host's own thread.
   */
  overlap?: boolean;
  /** Load only the detector (the detector thread of an overlapped host). */
  detectorOnly?: boolean;
}

/** Whether the pack's liveness judge loaded; when not, the message says why (the door fails closed). */
export type LivenessInfo =
  | {
      state: 'ready';
      models: string[];
      threshold: number;
      /** The pack's stream second opinion (model, threshold), null when it has none. */
      secondOpinion: { model: string; threshold: number } | null;
      message: null;
    }
  | { state: 'unavailable'; models: string[]; threshold: null; secondOpinion: null; message: string };

/** What load() brought up. */
export interface LoadedModels {
  info: AnalyzerInfo;
  liveness: LivenessInfo;
}

export interface FaceOptions {
  maxFaces?: number;
  minFaceSize?: number;
  /** Run the liveness stage (when the pack has one). */
  liveness?: boolean;
  /** Also ask the pack's liveness second opinion on the main face (the access policy asks for it). */
  secondOpinion?: boolean;
  /** Return each face's aligned 112x112 crop (enrolment stores it); frames do not need it. */
  keepAligned?: boolean;
  /**
   * Track, then recognise (frames of one kiosk): faces keep a track id across the stream's frames
   * and a track's face is embedded only when needed (see RecognitionTracks); absent, every face is.
   */
  track?: TrackRequest;
}

/** Which faces a detected frame keeps (the first stage of an overlapped frame). */
export interface DetectFrameOptions {
  maxFaces?: number;
  minFaceSize?: number;
}

/** A frame detected by detectFrame(), waiting in the host for finishFrame(ticket). */
export interface DetectedFrame {
  ticket: number;
  /** Faces found. */
  faces: number;
  /** Whether detection ran on the host's detector thread (overlapped) or its own thread. */
  overlapped: boolean;
}

/** What the detector thread hands back: the frame as RGB (moved, not copied) and its faces. */
export interface DetectorReply {
  image: RgbImage;
  faces: TrackedFace[];
  detectMs: number;
  prepareMs: number;
}

/** A camera frame as the renderer sends it: RGBA, row by row. */
/** A camera frame handed to the host: RGBA or the camera's YUV planes (frameToRgb converts it there). */
export interface HostFrame extends PixelFrame {
  /**
   * A frame the inference process already holds (a kiosk's frame port, src/core/inference/frame-ports.ts):
   * its reference, and `data` is empty; the pixels never leave that process.
   */
  held?: string;
}

/** What one analysis returns: the engine's result plus the time spent decoding or converting. */
export interface HostAnalysis extends AnalyzeResult {
  /** With options.track, each face says its track and whether its embedding is from this frame. */
  faces: TrackedFace[];
  /** Decode (photos) or RGBA to RGB conversion (frames), in the inference host. */
  prepareMs: number;
}

/**
 * The face analyzer, off the calling thread: a worker thread under plain Node, an Electron
 * utilityProcess in the app. onnxruntime-node's run() blocks its thread, so the thread that
 * serves the UI never runs a model. Calls are handled one at a time, in order.
 */
export interface InferenceHost {
  readonly kind: string;
  /** (Re)load the analyzer and its liveness judge; resolves with what was loaded. */
  load(options: InferenceLoadOptions): Promise<LoadedModels>;
  analyzeFrame(frame: HostFrame, options?: FaceOptions): Promise<HostAnalysis>;
  /** Decode a photo file's bytes (JPEG, PNG, WebP; EXIF orientation applied) and analyse it. */
  analyzePhoto(bytes: Uint8Array, name: string, options?: FaceOptions): Promise<HostAnalysis>;
  /** Embed an aligned crop again (a model change re-embeds stored templates). */
  embedAligned(crop: RgbImage): Promise<Float32Array>;
  /**
   * An overlapped frame, stage 1: convert and detect (on the detector thread when the host was
   * loaded with overlap), not queued behind finishFrame() work. The frame stays in the host under
   * the ticket; the host keeps a few and forgets the oldest.
   */
  detectFrame(frame: HostFrame, options?: DetectFrameOptions): Promise<DetectedFrame>;
  /**
   * Stage 2: what analyzeFrame() does after detection (track, liveness, align, embed) for a frame
   * detectFrame() kept; its options are decided now, after the frames before it were judged.
   */
  finishFrame(ticket: number, options?: FaceOptions): Promise<HostAnalysis>;
  /** Called when the host stops on its own (a crash); pending calls have been rejected. */
  onExit(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

// Messages between the two sides. Typed arrays travel by structured clone (transferred where possible).

export type InferenceRequest =
  | { id: number; type: 'load'; options: InferenceLoadOptions }
  | { id: number; type: 'analyzeFrame'; frame: HostFrame; options: FaceOptions }
  | { id: number; type: 'analyzePhoto'; bytes: Uint8Array; name: string; options: FaceOptions }
  | { id: number; type: 'embedAligned'; crop: RgbImage }
  | { id: number; type: 'detectFrame'; frame: HostFrame; options: DetectFrameOptions }
  | { id: number; type: 'finishFrame'; ticket: number; options: FaceOptions }
  /** The detector thread's own call: detect and hand the RGB frame back. */
  | { id: number; type: 'detect'; frame: HostFrame; options: DetectFrameOptions }
  | { id: number; type: 'release' };

export type InferenceResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorInfo };
