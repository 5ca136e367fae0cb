import { describe, expect, it } from 'vitest';
import {
  letterbox,
  letterboxToTensor,
  resizeBilinear,
  resizeToTensor,
  toTensor,
  warpAffine,
  warpAffineToTensor,
  type Affine,
  type TensorSpec,
} from '../../../src/core/image';
import { noiseImage, rgbImage } from './helpers';

const raw: TensorSpec = { channelOrder: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };
const scrfd: TensorSpec = { channelOrder: 'rgb', mean: [127.5, 127.5, 127.5], std: [128, 128, 128] };
const yunet: TensorSpec = { channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1] };

const twoPixels = rgbImage([
  [
    [10, 20, 30],
    [40, 50, 60],
  ],
]);

describe('toTensor', () => {
  it('writes NCHW planes in RGB order', () => {
    expect([...toTensor(twoPixels, raw)]).toEqual([10, 40, 20, 50, 30, 60]);
  });

  it('writes NCHW planes in BGR order', () => {
    expect([...toTensor(twoPixels, yunet)]).toEqual([30, 60, 20, 50, 10, 40]);
  });

  it('applies (pixel - mean[c]) / std[c] per plane', () => {
    const spec: TensorSpec = { channelOrder: 'bgr', mean: [1, 2, 3], std: [1, 2, 4] };
    // plane 0 = B: (30-1)/1, (60-1)/1; plane 1 = G: (20-2)/2, (50-2)/2; plane 2 = R: (10-3)/4, (40-3)/4
    expect([...toTensor(twoPixels, spec)]).toEqual([29, 59, 9, 24, 1.75, 9.25]);
    const scaled = toTensor(twoPixels, scrfd);
    expect(scaled[0]).toBeCloseTo((10 - 127.5) / 128, 6);
    expect(scaled[5]).toBeCloseTo((60 - 127.5) / 128, 6);
  });

  it('writes one luma plane for grey models', () => {
    const spec: TensorSpec = { channelOrder: 'grey', mean: [0, 0, 0], std: [256, 256, 256] };
    const grey = toTensor(twoPixels, spec);
    expect(grey.length).toBe(2);
    // luma(10,20,30) = 18, luma(40,50,60) = 48
    expect([...grey]).toEqual([18 / 256, 48 / 256]);
  });

  it('reuses the given buffer and refuses one that is too small', () => {
    const out = new Float32Array(6);
    expect(toTensor(twoPixels, raw, out)).toBe(out);
    expect(() => toTensor(twoPixels, raw, new Float32Array(5))).toThrow(/holds 5 floats, 6 needed/);
    expect(() => toTensor(twoPixels, { ...raw, std: [1, 0, 1] })).toThrow(/non-zero std/);
  });
});

/** Largest difference in grey levels between two tensors normalised with spec's std. */
function maxLevelDifference(a: Float32Array, b: Float32Array, spec: TensorSpec): number {
  expect(a.length).toBe(b.length);
  const planeSize = a.length / 3;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) * spec.std[Math.floor(i / planeSize)]);
  }
  return worst;
}

describe('fused tensor writers equal the two-step path', () => {
  const frame = noiseImage(64, 48, 3);

  it('letterboxToTensor equals toTensor(letterbox()) and pads with the black value', () => {
    const noResize = letterboxToTensor(frame, 64, 64, scrfd); // pad bottom only: exact
    expect(noResize.data).toEqual(toTensor(letterbox(frame, 64, 64).image, scrfd));
    for (const [width, height] of [
      [32, 32], // downscale
      [100, 60], // upscale, pad right
      [48, 64],
    ]) {
      const fused = letterboxToTensor(frame, width, height, scrfd);
      const boxed = letterbox(frame, width, height);
      expect(fused.scale).toBe(boxed.scale);
      // Resizing skips the 8-bit intermediate image: within the half level that rounding it moves.
      expect(maxLevelDifference(fused.data, toTensor(boxed.image, scrfd), scrfd)).toBeLessThanOrEqual(0.5001);
    }
    const { data } = letterboxToTensor(frame, 64, 64, scrfd);
    expect(data[64 * 64 - 1]).toBeCloseTo(-127.5 / 128, 6);
  });

  it('letterboxToTensor overwrites every value of a reused buffer', () => {
    const out = new Float32Array(3 * 64 * 64).fill(Number.NaN);
    letterboxToTensor(frame, 64, 64, yunet, out);
    expect(out.some(Number.isNaN)).toBe(false);
    expect(out).toEqual(toTensor(letterbox(frame, 64, 64).image, yunet));
  });

  it('resizeToTensor equals toTensor(resizeBilinear())', () => {
    expect(resizeToTensor(frame, 20, 30, yunet)).toEqual(toTensor(resizeBilinear(frame, 20, 30), yunet));
    expect(resizeToTensor(frame, 64, 48, raw)).toEqual(toTensor(frame, raw));
  });

  it('warpAffineToTensor equals toTensor(warpAffine())', () => {
    const m: Affine = [0.9, -0.3, -5, 0.3, 0.9, 2];
    expect(warpAffineToTensor(frame, m, 40, 36, scrfd)).toEqual(
      toTensor(warpAffine(frame, m, 40, 36), scrfd),
    );
  });
});
