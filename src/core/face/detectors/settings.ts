import { FaceGateError } from '../../errors';
import type { ModelSpec } from '../../models/catalog-schema';

/** Load-time detector settings (FaceAnalyzer.load's detSize, detThreshold, nmsThreshold). */
export interface DetectorSettings {
  inputSize?: { width: number; height: number };
  scoreThreshold?: number;
  nmsThreshold?: number;
}

/**
 * The input size to use: the requested one where the graph accepts any size (a multiple of the
 * largest stride, as the feature maps need), else the model's fixed size.
 */
export function detectorInputSize(
  spec: ModelSpec,
  requested: { width: number; height: number } | undefined,
  multipleOf: number,
): { width: number; height: number } {
  if (!requested || !spec.input.dynamicSize) return { width: spec.input.width, height: spec.input.height };
  const { width, height } = requested;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Detection size must be positive integers, got ${width}x${height}.`,
    );
  }
  if (width % multipleOf !== 0 || height % multipleOf !== 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Detection size ${width}x${height} does not suit model '${spec.id}': use multiples of ${multipleOf} (e.g. 320 or 640).`,
    );
  }
  return { width, height };
}
