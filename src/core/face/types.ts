import type { Point, RgbImage } from '../image/types';

/** Axis-aligned box in image pixels, corners (x1, y1) top-left and (x2, y2) bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * The 5 ArcFace points, always in this order whatever the detector's own order:
 * image-left eye, image-right eye, nose tip, image-left mouth corner, image-right mouth corner.
 */
export type Landmarks5 = [Point, Point, Point, Point, Point];

/** What a detector returns per face, in the coordinates of the image it was given. */
export interface Detection {
  box: Box;
  score: number;
  landmarks: Landmarks5;
}

export type LivenessVerdict = 'live' | 'spoof' | 'cannot_judge';

export interface LivenessResult {
  /** Probability-like score in [0, 1]; higher means more likely a live face. */
  score: number;
  verdict: LivenessVerdict;
  /** Model ids that produced the score. */
  models: string[];
  /**
   * The pack's second opinion (face-antispoof-onnx p_live), only on frames where it was asked for
   * (analyze option secondOpinion) and the face could be judged.
   */
  second?: number;
  /** Why the verdict is cannot_judge (face too small, too close to the frame edge, ...). */
  reason?: string;
}

export interface AnalyzedFace extends Detection {
  /** L2-normalised embedding of the aligned crop (absent when embedding was not asked for). */
  embedding?: Float32Array;
  /** The aligned 112x112 crop the embedding was computed from. */
  aligned?: RgbImage;
  liveness?: LivenessResult;
}

/** Milliseconds spent per stage for one analyze() call. */
export interface StageTimings {
  detect: number;
  align: number;
  embed: number;
  liveness: number;
  total: number;
}

export interface AnalyzeResult {
  width: number;
  height: number;
  faces: AnalyzedFace[];
  timings: StageTimings;
}

/** Per-call detection settings; unset ones use the detector's (catalog or load-time) defaults. */
export interface DetectOptions {
  /** Minimum detection score in [0, 1]. */
  scoreThreshold?: number;
  /** IoU above which the weaker of two overlapping boxes is dropped. */
  nmsThreshold?: number;
}

/** One face detector model (with its landmark model where it has no keypoints of its own). */
export interface Detector {
  /** Catalog id of the detection model. */
  readonly modelId: string;
  /** The size of the tensor the image is letterboxed (or resized) into. */
  readonly inputSize: { width: number; height: number };
  /** Faces in the coordinates of `image`, best score first, landmarks in our fixed order. */
  detect(image: RgbImage, options?: DetectOptions): Promise<Detection[]>;
  release(): Promise<void>;
}

/**
 * What the analyzer embeds aligned crops with: one ArcFace-style model (ArcFaceEmbedder) or
 * several fused ones (FusedEmbedder).
 */
export interface FaceEmbedder {
  /** Side of the square aligned crop the model(s) take. */
  readonly inputSize: number;
  /** Length of the embeddings; known after the first run when the catalog does not say. */
  readonly embeddingSize: number | undefined;
  /** The aligned crop for 5 landmarks (InsightFace norm_crop at inputSize). */
  align(image: RgbImage, landmarks: readonly Point[]): RgbImage;
  /** L2-normalised embeddings of aligned crops, in order. */
  embed(crops: readonly RgbImage[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}
