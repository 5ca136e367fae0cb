import type { RgbImage } from '../image/types';
import type { AnalyzeResult } from '../face/types';
import type { ModelRef } from './template-repository';

/**
 * What the gallery needs from the face engine; FaceAnalyzer (src/core/face) provides it. Kept as
 * an interface so the gallery does not depend on how the pipeline is built.
 */
export interface FaceEngine {
  analyze(
    image: RgbImage,
    options?: { maxFaces?: number; minFaceSize?: number; embed?: boolean | 'main' },
  ): Promise<AnalyzeResult>;
  /** The embedding of an aligned 112x112 crop (re-embedding stored crops). */
  embedAligned(crop: RgbImage): Promise<Float32Array>;
  readonly info: {
    pack: string;
    threshold: number;
    /** The pack's impostor score distribution, for the gallery-size-aware 1:N threshold. */
    impostor?: { mean: number; sd: number; tail?: readonly (readonly [number, number])[] };
    models: readonly { role: string; id: string; sha256: string }[];
    /**
     * The recognizer the embeddings come from: one model, or several fused ones under an id and
     * hash of their own (FaceAnalyzer's info.recognizer).
     */
    recognizer: { id: string; sha256: string };
  };
}

/**
 * The recognizer of an engine, as templates record it. A fused recognizer is one model here
 * (ids joined with '+', a hash of the models' hashes), so its templates never mix with those
 * of any of its models alone.
 */
export function recognizerOf(engine: Pick<FaceEngine, 'info'>): ModelRef {
  const { recognizer } = engine.info;
  return { modelId: recognizer.id, modelSha256: recognizer.sha256 };
}
