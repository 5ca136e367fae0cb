import { FaceGateError } from '../../errors';
import type { ModelSpec } from '../../models/catalog-schema';

/** Load-time detector settings (FaceAnalyzer.load's detSize, detThreshold, nmsThreshold). */
export interface DetectorSettings {
  inputSize?: { width: number; height: number };
  /**
   * Cut the input to the frame's shape (frameShapedInput): a 640x480 frame is detected in a
   * 640x480 input, not letterboxed into 640x640. Same scale, a quarter less work.
   */
  frameShaped?: boolean;
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

/**
 * The detector input for an image: `base` (the model's size) with its height cut to the image's
 * shape, rounded up to a multiple of the largest stride, when the image is wider than `base`
 * (a 640x480 frame: 640x480; 640x360: 640x384); else `base`. The letterbox scale is the same as
 * in `base` (the width decides it either way), so faces are seen at the same size; only the
 * padding below the image is gone.
 */
export function frameShapedInput(
  base: { width: number; height: number },
  image: { width: number; height: number },
  multipleOf: number,
): { width: number; height: number } {
  if (image.width * base.height <= image.height * base.width) return base;
  const height = Math.ceil((base.width * image.height) / image.width / multipleOf) * multipleOf;
  return height < base.height ? { width: base.width, height: Math.max(multipleOf, height) } : base;
}
