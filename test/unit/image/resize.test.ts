import { describe, expect, it } from 'vitest';
import { letterbox, letterboxGeometry, resizeBilinear } from '../../../src/core/image';
import { greyRgb, noiseImage, redRows, rgbImage } from './helpers';

describe('resizeBilinear (pixel centres aligned, like cv2.resize INTER_LINEAR)', () => {
  it('upsamples a row: edges clamp, inner pixels blend 1/4 and 3/4', () => {
    // src x = (dst + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> 0, 25, 75, 100
    expect(redRows(resizeBilinear(greyRgb([[0, 100]]), 4, 1))).toEqual([[0, 25, 75, 100]]);
  });

  it('downsamples a row: each output pixel averages the two it straddles', () => {
    // src x = (dst + 0.5) * 2 - 0.5 = 0.5, 2.5 -> (0+40)/2, (80+120)/2
    expect(redRows(resizeBilinear(greyRgb([[0, 40, 80, 120]]), 2, 1))).toEqual([[20, 100]]);
  });

  it('interpolates in both directions', () => {
    const image = greyRgb([
      [0, 60],
      [120, 180],
    ]);
    expect(redRows(resizeBilinear(image, 4, 4))).toEqual([
      [0, 15, 45, 60],
      [30, 45, 75, 90],
      [90, 105, 135, 150],
      [120, 135, 165, 180],
    ]);
  });

  it('keeps channels apart and rounds half up', () => {
    const image = rgbImage([
      [
        [0, 255, 1],
        [3, 0, 2],
      ],
    ]);
    // x = 0.5 between the two pixels: (0+3)/2 = 1.5 -> 2, 127.5 -> 128, 1.5 -> 2
    expect([...resizeBilinear(image, 1, 1).data]).toEqual([2, 128, 2]);
  });

  it('returns a copy when the size does not change', () => {
    const image = noiseImage(5, 4);
    const same = resizeBilinear(image, 5, 4);
    expect(same.data).toEqual(image.data);
    expect(same.data).not.toBe(image.data);
  });

  it('refuses a zero or fractional size', () => {
    expect(() => resizeBilinear(noiseImage(2, 2), 0, 2)).toThrow(/positive integers/);
    expect(() => resizeBilinear(noiseImage(2, 2), 1.5, 2)).toThrow(/positive integers/);
  });
});

describe('letterbox (InsightFace SCRFD det_scale)', () => {
  it('computes the fitted size and det_scale as SCRFD does', () => {
    expect(letterboxGeometry(640, 480, 640, 640)).toEqual({
      resizedWidth: 640,
      resizedHeight: 480,
      scale: 1,
    });
    expect(letterboxGeometry(1280, 720, 640, 640)).toEqual({
      resizedWidth: 640,
      resizedHeight: 360,
      scale: 0.5,
    });
    // Portrait: new_height = 640, new_width = int(640 / (1000/750)) = 480, det_scale = 640/1000
    expect(letterboxGeometry(750, 1000, 640, 640)).toEqual({
      resizedWidth: 480,
      resizedHeight: 640,
      scale: 0.64,
    });
    // int() truncates: 333 * (640/1000) = 213.12 -> new_h = int(640 * 333/1000) = 213
    expect(letterboxGeometry(1000, 333, 640, 640)).toEqual({
      resizedWidth: 640,
      resizedHeight: 213,
      scale: 213 / 333,
    });
  });

  it('pastes at the top-left without resizing when the image already fits', () => {
    const image = greyRgb([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const { image: boxed, scale } = letterbox(image, 4, 4);
    expect(scale).toBe(1);
    expect(redRows(boxed)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('resizes to fit, then pads right and bottom with black', () => {
    const image = greyRgb([
      [0, 40, 80, 120],
      [0, 40, 80, 120],
    ]);
    const { image: boxed, scale } = letterbox(image, 2, 2);
    expect(scale).toBe(0.5);
    expect(redRows(boxed)).toEqual([
      [20, 100],
      [0, 0],
    ]);
    const tall = letterbox(greyRgb([[10], [20]]), 2, 2);
    expect(tall.scale).toBe(1);
    expect(redRows(tall.image)).toEqual([
      [10, 0],
      [20, 0],
    ]);
  });
});
