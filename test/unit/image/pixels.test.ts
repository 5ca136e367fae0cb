import { describe, expect, it } from 'vitest';
import { isFaceGateError } from '../../../src/core/errors';
import { createRgbImage, cropImage, flipHorizontal, rgbaToRgb, toGrey } from '../../../src/core/image';
import { greyRgb, redRows, rgbImage, thrown } from './helpers';

describe('rgbaToRgb', () => {
  it('drops the alpha byte of every pixel', () => {
    const rgba = Uint8ClampedArray.from([1, 2, 3, 255, 4, 5, 6, 0]);
    const image = rgbaToRgb(rgba, 2, 1);
    expect(image).toMatchObject({ width: 2, height: 1 });
    expect([...image.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a buffer whose length does not match the size', () => {
    expect(() => rgbaToRgb(new Uint8Array(7), 2, 1)).toThrow(/2x1 RGBA frame has 8 bytes, got 7/);
    expect(() => rgbaToRgb(new Uint8Array(0), 0, 0)).toThrow(/positive integers/);
    expect(
      isFaceGateError(
        thrown(() => rgbaToRgb(new Uint8Array(7), 2, 1)),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});

describe('createRgbImage', () => {
  it('is black by default and checks the data length', () => {
    expect([...createRgbImage(2, 1).data]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => createRgbImage(2, 2, new Uint8Array(3))).toThrow(/needs 12 bytes, got 3/);
  });
});

describe('toGrey', () => {
  it('weights channels 0.299 / 0.587 / 0.114 with OpenCV rounding', () => {
    const image = rgbImage([
      [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 255],
        [10, 20, 30],
      ],
    ]);
    // 0.299*255 = 76.2, 0.587*255 = 149.7, 0.114*255 = 29.1, 255, 0.299*10+0.587*20+0.114*30 = 18.2
    expect([...toGrey(image).data]).toEqual([76, 150, 29, 255, 18]);
  });
});

describe('cropImage', () => {
  const image = greyRgb([
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ]);

  it('copies the rectangle inside the image', () => {
    expect(redRows(cropImage(image, 1, 1, 2, 2))).toEqual([
      [5, 6],
      [8, 9],
    ]);
  });

  it('fills the parts outside the image with black', () => {
    expect(redRows(cropImage(image, -1, -1, 2, 2))).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(redRows(cropImage(image, 2, 2, 2, 2))).toEqual([
      [9, 0],
      [0, 0],
    ]);
    expect(redRows(cropImage(image, 5, 0, 2, 1))).toEqual([[0, 0]]);
  });

  it('refuses an empty rectangle', () => {
    expect(() => cropImage(image, 0, 0, 0, 2)).toThrow(/positive integers/);
  });
});

describe('flipHorizontal', () => {
  it('mirrors every row', () => {
    const flipped = flipHorizontal(
      rgbImage([
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ]),
    );
    expect([...flipped.data]).toEqual([4, 5, 6, 1, 2, 3]);
  });
});
