import { FaceGateError } from '../errors';
import { invertAffine } from './affine';
import type { Affine, RgbImage } from './types';

/**
 * Writes output row y of a warp into out at offset (interleaved RGB bytes). inverse maps
 * DESTINATION pixel coordinates to SOURCE ones; taps outside the source read as black, so edges
 * blend into the black border like cv2.warpAffine with BORDER_CONSTANT and borderValue 0.
 */
export function warpRow(
  image: RgbImage,
  inverse: Affine,
  y: number,
  width: number,
  out: Uint8Array,
  offset: number,
): void {
  const src = image.data;
  const srcWidth = image.width;
  const srcHeight = image.height;
  const stride = srcWidth * 3;
  const baseX = inverse[1] * y + inverse[2];
  const baseY = inverse[4] * y + inverse[5];
  let i = offset;
  for (let x = 0; x < width; x++, i += 3) {
    const sx = inverse[0] * x + baseX;
    const sy = inverse[3] * x + baseY;
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    if (x0 < -1 || y0 < -1 || x0 >= srcWidth || y0 >= srcHeight) {
      out[i] = 0;
      out[i + 1] = 0;
      out[i + 2] = 0;
      continue;
    }
    const fx = sx - x0;
    const fy = sy - y0;
    const w00 = (1 - fx) * (1 - fy);
    const w01 = fx * (1 - fy);
    const w10 = (1 - fx) * fy;
    const w11 = fx * fy;
    const p00 = y0 * stride + x0 * 3;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < srcWidth && y0 + 1 < srcHeight) {
      const p10 = p00 + stride;
      for (let k = 0; k < 3; k++) {
        out[i + k] =
          src[p00 + k] * w00 + src[p00 + 3 + k] * w01 + src[p10 + k] * w10 + src[p10 + 3 + k] * w11 + 0.5;
      }
      continue;
    }
    // Near the edge: each tap that falls outside the image contributes black.
    const left = x0 >= 0;
    const right = x0 + 1 < srcWidth;
    const upper = y0 >= 0;
    const lower = y0 + 1 < srcHeight;
    for (let k = 0; k < 3; k++) {
      let v = 0;
      if (upper && left) v += src[p00 + k] * w00;
      if (upper && right) v += src[p00 + 3 + k] * w01;
      if (lower && left) v += src[p00 + stride + k] * w10;
      if (lower && right) v += src[p00 + stride + 3 + k] * w11;
      out[i + k] = v + 0.5;
    }
  }
}

/** Validates the warp arguments and returns the inverse of m (destination to source). */
export function warpInverse(m: Affine, width: number, height: number): Affine {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `warpAffine: output size must be positive integers, got ${width}x${height}.`,
    );
  }
  if (m.length !== 6 || !m.every(Number.isFinite)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `warpAffine: the matrix must hold 6 finite numbers, got [${m.join(', ')}].`,
    );
  }
  return invertAffine(m);
}

/**
 * Warps the image by m, which maps SOURCE to DESTINATION pixel coordinates (as cv2.warpAffine):
 * bilinear, black outside the source.
 */
export function warpAffine(image: RgbImage, m: Affine, width: number, height: number): RgbImage {
  const inverse = warpInverse(m, width, height);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) warpRow(image, inverse, y, width, out, y * width * 3);
  return { width, height, data: out };
}
