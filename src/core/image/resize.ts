import { FaceGateError } from '../errors';
import type { RgbImage } from './types';

/** For each destination column (or row): the two source taps and the weight of the second. */
export interface LinearTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array;
}

/**
 * Source taps for a pixel-centre aligned linear resize, the way cv2.resize(INTER_LINEAR) maps
 * them: src = (dst + 0.5) * srcSize / dstSize - 0.5, clamped to the edge pixels.
 */
export function linearTaps(srcSize: number, dstSize: number): LinearTaps {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w1 = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    let w = f - s;
    if (s < 0) {
      s = 0;
      w = 0;
    }
    if (s >= srcSize - 1) {
      s = srcSize - 1;
      w = 0;
    }
    i0[d] = s;
    i1[d] = Math.min(s + 1, srcSize - 1);
    w1[d] = w;
  }
  return { i0, i1, w1 };
}

/**
 * Writes one output row of a bilinear resize (columns given by xs, blending source rows row0 and
 * row1 with weight wy on row1) into out at offset, as interleaved RGB bytes.
 */
export function resizeRow(
  image: RgbImage,
  xs: LinearTaps,
  row0: number,
  row1: number,
  wy: number,
  out: Uint8Array,
  offset: number,
): void {
  const src = image.data;
  const top0 = row0 * image.width * 3;
  const top1 = row1 * image.width * 3;
  const count = xs.i0.length;
  let i = offset;
  for (let x = 0; x < count; x++) {
    const wx = xs.w1[x];
    const a = top0 + xs.i0[x] * 3;
    const b = top0 + xs.i1[x] * 3;
    const c = top1 + xs.i0[x] * 3;
    const d = top1 + xs.i1[x] * 3;
    // Each value lies in [0, 255]; + 0.5 then the Uint8Array's truncation rounds half up.
    let upper = src[a] + (src[b] - src[a]) * wx;
    let lower = src[c] + (src[d] - src[c]) * wx;
    out[i] = upper + (lower - upper) * wy + 0.5;
    upper = src[a + 1] + (src[b + 1] - src[a + 1]) * wx;
    lower = src[c + 1] + (src[d + 1] - src[c + 1]) * wx;
    out[i + 1] = upper + (lower - upper) * wy + 0.5;
    upper = src[a + 2] + (src[b + 2] - src[a + 2]) * wx;
    lower = src[c + 2] + (src[d + 2] - src[c + 2]) * wx;
    out[i + 2] = upper + (lower - upper) * wy + 0.5;
    i += 3;
  }
}

function checkTarget(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${what}: target size must be positive integers, got ${width}x${height}.`,
    );
  }
}

/** Bilinear resize, pixel-centre aligned like cv2.resize with INTER_LINEAR (no antialiasing). */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  checkTarget(width, height, 'resizeBilinear');
  if (width === image.width && height === image.height) {
    return { width, height, data: image.data.slice() };
  }
  const out = new Uint8Array(width * height * 3);
  const xs = linearTaps(image.width, width);
  const ys = linearTaps(image.height, height);
  for (let y = 0; y < height; y++) {
    resizeRow(image, xs, ys.i0[y], ys.i1[y], ys.w1[y], out, y * width * 3);
  }
  return { width, height, data: out };
}

/** Where a letterboxed image lands: its resized size and det_scale = resizedHeight / height. */
export interface LetterboxGeometry {
  resizedWidth: number;
  resizedHeight: number;
  scale: number;
}

/**
 * InsightFace SCRFD's letterbox arithmetic: fit the image into width x height keeping its aspect
 * ratio (sizes truncated to integers, as Python's int() does).
 */
export function letterboxGeometry(
  srcWidth: number,
  srcHeight: number,
  width: number,
  height: number,
): LetterboxGeometry {
  checkTarget(width, height, 'letterbox');
  const imageRatio = srcHeight / srcWidth;
  const modelRatio = height / width;
  let resizedWidth: number;
  let resizedHeight: number;
  if (imageRatio > modelRatio) {
    resizedHeight = height;
    resizedWidth = Math.trunc(resizedHeight / imageRatio);
  } else {
    resizedWidth = width;
    resizedHeight = Math.trunc(resizedWidth * imageRatio);
  }
  // A very thin image could round to zero rows or columns; keep at least one.
  resizedWidth = Math.max(1, resizedWidth);
  resizedHeight = Math.max(1, resizedHeight);
  return { resizedWidth, resizedHeight, scale: resizedHeight / srcHeight };
}

/**
 * Fits the image into width x height keeping its aspect ratio, pasted at the top-left and padded
 * with black, exactly like InsightFace SCRFD.detect; scale is its det_scale (divide detections by it).
 */
export function letterbox(
  image: RgbImage,
  width: number,
  height: number,
): { image: RgbImage; scale: number } {
  const { resizedWidth, resizedHeight, scale } = letterboxGeometry(image.width, image.height, width, height);
  const resized =
    resizedWidth === image.width && resizedHeight === image.height
      ? image
      : resizeBilinear(image, resizedWidth, resizedHeight);
  const out = new Uint8Array(width * height * 3);
  const rowBytes = resizedWidth * 3;
  for (let y = 0; y < resizedHeight; y++) {
    out.set(resized.data.subarray(y * rowBytes, (y + 1) * rowBytes), y * width * 3);
  }
  return { image: { width, height, data: out }, scale };
}
