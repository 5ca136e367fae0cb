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
    models: readonly { role: string; id: string; sha256: string }[];
  };
}

/** The recognizer of an engine, as templates record it. */
export function recognizerOf(engine: Pick<FaceEngine, 'info'>): ModelRef {
  const model = engine.info.models.find((m) => m.role === 'recognizer');
  if (!model) throw new Error(`The pack ${engine.info.pack} reports no recognition model.`);
  return { modelId: model.id, modelSha256: model.sha256 };
}
