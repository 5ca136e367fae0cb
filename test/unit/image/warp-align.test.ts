import { describe, expect, it } from 'vitest';
import {
  alignFace,
  arcfaceTemplate,
  arcfaceTemplate112,
  cropImage,
  warpAffine,
  type Affine,
} from '../../../src/core/image';
import { greyRgb, noiseImage, redRows } from './helpers';

describe('warpAffine (matrix maps source to destination, bilinear, black border)', () => {
  const image = greyRgb([
    [10, 20, 30],
    [40, 50, 60],
    [70, 80, 90],
  ]);

  it('is a copy under the identity', () => {
    expect(warpAffine(image, [1, 0, 0, 0, 1, 0], 3, 3).data).toEqual(image.data);
  });

  it('shifts by whole pixels, filling the uncovered column with black', () => {
    expect(redRows(warpAffine(image, [1, 0, 1, 0, 1, 0], 3, 3))).toEqual([
      [0, 10, 20],
      [0, 40, 50],
      [0, 70, 80],
    ]);
  });

  it('blends half-pixel shifts, the border counting as black', () => {
    // dst(x) = src(x - 0.5): x = 0 mixes black and 10 -> 5; x = 1 -> 15; x = 2 -> 25
    expect(redRows(warpAffine(image, [1, 0, 0.5, 0, 1, 0], 3, 1))).toEqual([[5, 15, 25]]);
  });

  it('magnifies by 2 (dst(x, y) = src(x / 2, y / 2))', () => {
    expect(redRows(warpAffine(image, [2, 0, 0, 0, 2, 0], 4, 2))).toEqual([
      [10, 15, 20, 25],
      [25, 30, 35, 40],
    ]);
  });

  it('rotates 90 degrees about the centre', () => {
    // x' = -y + 2, y' = x: the top row becomes the right column
    expect(redRows(warpAffine(image, [0, -1, 2, 1, 0, 0], 3, 3))).toEqual([
      [70, 40, 10],
      [80, 50, 20],
      [90, 60, 30],
    ]);
  });

  it('refuses a matrix that cannot be inverted or a bad size', () => {
    expect(() => warpAffine(image, [0, 0, 0, 0, 0, 0], 3, 3)).toThrow(/not invertible/);
    expect(() => warpAffine(image, [1, 0, 0, 0, 1, 0], 0, 3)).toThrow(/positive integers/);
    expect(() => warpAffine(image, [1, 0, Number.NaN, 0, 1, 0], 3, 3)).toThrow(/finite/);
  });
});

describe('ArcFace template and alignFace (InsightFace norm_crop)', () => {
  it('scales the template like face_align.estimate_norm', () => {
    expect(arcfaceTemplate(112)).toEqual(arcfaceTemplate112);
    const double = arcfaceTemplate(224);
    expect(double[0].x).toBeCloseTo(2 * 38.2946, 10);
    expect(double[4].y).toBeCloseTo(2 * 92.2041, 10);
    // Multiples of 128: ratio size/128 and 8*ratio added to x
    const wide = arcfaceTemplate(128);
    expect(wide[0].x).toBeCloseTo(46.2946, 10);
    expect(wide[0].y).toBeCloseTo(51.6963, 10);
  });

  it('leaves a face already on the template in place', () => {
    const image = noiseImage(150, 130, 7);
    const { image: aligned, matrix } = alignFace(image, arcfaceTemplate112);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(matrix[i]).toBeCloseTo(v, 10));
    expect(aligned.width).toBe(112);
    expect(aligned.data).toEqual(cropImage(image, 0, 0, 112, 112).data);
  });

  it('undoes a face twice the template size, shifted by (10, 20)', () => {
    const landmarks = arcfaceTemplate112.map((p) => ({ x: 2 * p.x + 10, y: 2 * p.y + 20 }));
    const expected: Affine = [0.5, 0, -5, 0, 0.5, -10];
    const { matrix } = alignFace(noiseImage(300, 300), landmarks);
    matrix.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  it('needs exactly five landmarks', () => {
    expect(() => alignFace(noiseImage(10, 10), arcfaceTemplate112.slice(0, 4))).toThrow(/5 landmarks/);
  });
});
