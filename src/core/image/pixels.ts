import { FaceGateError } from '../errors';
import type { GreyImage, RgbImage } from './types';

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${what}: width and height must be positive integers, got ${width}x${height}.`,
    );
  }
}

/** A new RGB image; black unless data is given (its length must be width * height * 3). */
export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  checkSize(width, height, 'createRgbImage');
  if (data && data.length !== width * height * 3) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `createRgbImage: ${width}x${height} RGB needs ${width * height * 3} bytes, got ${data.length}.`,
    );
  }
  return { width, height, data: data ?? new Uint8Array(width * height * 3) };
}

/** Drops the alpha channel of an RGBA frame (a camera frame, a canvas ImageData). */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  checkSize(width, height, 'rgbaToRgb');
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `rgbaToRgb: a ${width}x${height} RGBA frame has ${pixels * 4} bytes, got ${rgba.length}.`,
    );
  }
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    out[i] = rgba[j];
    out[i + 1] = rgba[j + 1];
    out[i + 2] = rgba[j + 2];
  }
  return { width, height, data: out };
}

/**
 * Luma as OpenCV's RGB2GRAY computes it for 8-bit images: 0.299 R + 0.587 G + 0.114 B in
 * 14-bit fixed point, rounded, so values match cv2.cvtColor exactly.
 */
export function toGrey(image: RgbImage): GreyImage {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = (data[j] * 4899 + data[j + 1] * 9617 + data[j + 2] * 1868 + 8192) >> 14;
  }
  return { width, height, data: out };
}

/**
 * The rectangle (x, y, width, height) of the image, in whole pixels (non-integers are rounded);
 * any part outside the image is black.
 */
export function cropImage(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const left = Math.round(x);
  const top = Math.round(y);
  const w = Math.round(width);
  const h = Math.round(height);
  checkSize(w, h, 'cropImage');
  if (!Number.isFinite(left) || !Number.isFinite(top)) {
    throw new FaceGateError('INVALID_INPUT', `cropImage: position must be finite, got (${x}, ${y}).`);
  }
  const out = new Uint8Array(w * h * 3);
  const fromX = Math.max(0, left);
  const toX = Math.min(image.width, left + w);
  if (toX <= fromX) return { width: w, height: h, data: out };
  const rowBytes = (toX - fromX) * 3;
  for (let row = Math.max(0, top); row < Math.min(image.height, top + h); row++) {
    const src = (row * image.width + fromX) * 3;
    const dst = ((row - top) * w + (fromX - left)) * 3;
    out.set(image.data.subarray(src, src + rowBytes), dst);
  }
  return { width: w, height: h, data: out };
}

/** The mirror image (left and right swapped), e.g. for flip-averaged embeddings. */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let row = 0; row < height; row++) {
    const base = row * width * 3;
    for (let col = 0; col < width; col++) {
      const src = base + col * 3;
      const dst = base + (width - 1 - col) * 3;
      out[dst] = data[src];
      out[dst + 1] = data[src + 1];
      out[dst + 2] = data[src + 2];
    }
  }
  return { width, height, data: out };
}
