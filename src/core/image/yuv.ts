import { FaceGateError } from '../errors';
import { frameByteLength, type FrameFormat, type YuvColor } from '../../shared/contract';
import { rgbaToRgb } from './pixels';
import type { RgbImage } from './types';

/** A camera frame as it arrives (contract.ts frameSchema): RGBA, or the camera's YUV planes. */
export interface PixelFrame {
  width: number;
  height: number;
  data: Uint8Array;
  /** rgba unless said. */
  format?: FrameFormat;
  /** For i420 and nv12: the colour space; BT.601 limited range unless said. */
  color?: Partial<YuvColor>;
}

/**
 * YUV to RGB coefficients (ITU-R BT.601 and BT.709; limited range scales Y from 16-235 and the
 * chroma from 16-240 to the full 8 bits). R = y (Y - y0) + rv V; G = y (Y - y0) - gu U - gv V;
 * B = y (Y - y0) + bu U, with U and V centred on 128.
 */
function coefficients(color: Partial<YuvColor> = {}) {
  const bt709 = color.matrix === 'bt709';
  const [kr, kb] = bt709 ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const full = color.fullRange === true;
  const y = full ? 1 : 255 / 219;
  const c = full ? 1 : 255 / 224;
  return {
    y0: full ? 0 : 16,
    y,
    rv: 2 * (1 - kr) * c,
    gu: ((2 * (1 - kb) * kb) / kg) * c,
    gv: ((2 * (1 - kr) * kr) / kg) * c,
    bu: 2 * (1 - kb) * c,
  };
}

/**
 * The RGB picture of an I420 or NV12 frame, chroma upsampled by repetition (what a camera's
 * 4:2:0 frame looks like drawn without filtering). Each 2x2 block shares one U and V, so the
 * chroma terms are computed once a block; the clamped view rounds and clips to 0-255.
 */
export function yuvToRgb(
  data: Uint8Array,
  width: number,
  height: number,
  format: 'i420' | 'nv12',
  color?: Partial<YuvColor>,
): RgbImage {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width <= 0 ||
    height <= 0 ||
    width % 2 ||
    height % 2
  )
    throw new FaceGateError(
      'INVALID_INPUT',
      `yuvToRgb: a ${format} frame needs an even width and height, got ${width}x${height}.`,
    );
  const expected = frameByteLength(format, width, height);
  if (data.length !== expected)
    throw new FaceGateError(
      'INVALID_INPUT',
      `yuvToRgb: a ${width}x${height} ${format} frame has ${expected} bytes, got ${data.length}.`,
    );
  const k = coefficients(color);
  // A clamped view clips each sum to 0-255 as it is stored (the sums are whole numbers: no rounding there).
  const out = new Uint8ClampedArray(width * height * 3);
  const lumaSize = width * height;
  const halfWidth = width / 2;
  // Fixed point (10 fractional bits, rounded): Y scaled once per value from a table, the chroma
  // terms once per 2x2 block.
  const one = 1024;
  const luma = new Int32Array(256);
  for (let v = 0; v < 256; v++) luma[v] = Math.round(k.y * (v - k.y0) * one) + one / 2;
  const rv = Math.round(k.rv * one);
  const gu = Math.round(k.gu * one);
  const gv = Math.round(k.gv * one);
  const bu = Math.round(k.bu * one);
  for (let by = 0; by < height / 2; by++) {
    const row0 = 2 * by * width;
    const row1 = row0 + width;
    for (let bx = 0; bx < halfWidth; bx++) {
      let u: number;
      let v: number;
      if (format === 'i420') {
        const c = by * halfWidth + bx;
        u = data[lumaSize + c] - 128;
        v = data[lumaSize + lumaSize / 4 + c] - 128;
      } else {
        const c = lumaSize + by * width + 2 * bx;
        u = data[c] - 128;
        v = data[c + 1] - 128;
      }
      const r = rv * v;
      const g = -gu * u - gv * v;
      const b = bu * u;
      const p0 = row0 + 2 * bx;
      const p1 = row1 + 2 * bx;
      let l = luma[data[p0]];
      let o = p0 * 3;
      out[o] = (l + r) >> 10;
      out[o + 1] = (l + g) >> 10;
      out[o + 2] = (l + b) >> 10;
      l = luma[data[p0 + 1]];
      out[o + 3] = (l + r) >> 10;
      out[o + 4] = (l + g) >> 10;
      out[o + 5] = (l + b) >> 10;
      l = luma[data[p1]];
      o = p1 * 3;
      out[o] = (l + r) >> 10;
      out[o + 1] = (l + g) >> 10;
      out[o + 2] = (l + b) >> 10;
      l = luma[data[p1 + 1]];
      out[o + 3] = (l + r) >> 10;
      out[o + 4] = (l + g) >> 10;
      out[o + 5] = (l + b) >> 10;
    }
  }
  return { width, height, data: new Uint8Array(out.buffer) };
}

/** The RGB picture of a camera frame in any of the contract's formats. */
export function frameToRgb(frame: PixelFrame): RgbImage {
  const format = frame.format ?? 'rgba';
  if (format === 'rgba') return rgbaToRgb(frame.data, frame.width, frame.height);
  return yuvToRgb(frame.data, frame.width, frame.height, format, frame.color);
}

/**
 * The other way, for tests and measurements: an RGB picture as an I420 frame (BT.601, limited
 * range unless said; chroma averaged over each 2x2 block), as a camera would deliver it.
 */
export function rgbToI420(image: RgbImage, color?: Partial<YuvColor>): Uint8Array {
  const { width, height, data } = image;
  if (width % 2 || height % 2)
    throw new FaceGateError(
      'INVALID_INPUT',
      `rgbToI420: needs an even width and height, got ${width}x${height}.`,
    );
  const bt709 = color?.matrix === 'bt709';
  const [kr, kb] = bt709 ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const full = color?.fullRange === true;
  const ys = full ? 1 : 219 / 255;
  const cs = full ? 1 : 224 / 255;
  const y0 = full ? 0 : 16;
  const out = new Uint8ClampedArray((width * height * 3) / 2);
  const lumaSize = width * height;
  for (let by = 0; by < height / 2; by++)
    for (let bx = 0; bx < width / 2; bx++) {
      let su = 0;
      let sv = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const p = (2 * by + dy) * width + 2 * bx + dx;
        const r = data[p * 3];
        const g = data[p * 3 + 1];
        const b = data[p * 3 + 2];
        const y = kr * r + kg * g + kb * b;
        out[p] = y0 + ys * y;
        su += (b - y) / (2 * (1 - kb));
        sv += (r - y) / (2 * (1 - kr));
      }
      const c = by * (width / 2) + bx;
      out[lumaSize + c] = 128 + (cs * su) / 4;
      out[lumaSize + lumaSize / 4 + c] = 128 + (cs * sv) / 4;
    }
  return new Uint8Array(out.buffer);
}
