import { describe, expect, it } from 'vitest';
import { frameShapedInput } from '../../../src/core/face/detectors/settings';
import { reshapedModel } from '../../../src/core/models/session';

describe('frameShapedInput', () => {
  const square = { width: 640, height: 640 };
  it('cuts the square to a landscape frame’s shape, a multiple of the stride, at the same scale', () => {
    expect(frameShapedInput(square, { width: 640, height: 480 }, 32)).toEqual({ width: 640, height: 480 });
    expect(frameShapedInput(square, { width: 640, height: 360 }, 32)).toEqual({ width: 640, height: 384 });
    expect(frameShapedInput(square, { width: 1280, height: 720 }, 32)).toEqual({ width: 640, height: 384 });
    expect(frameShapedInput(square, { width: 4000, height: 100 }, 32)).toEqual({ width: 640, height: 32 });
  });
  it('keeps the square for square and portrait images', () => {
    expect(frameShapedInput(square, { width: 250, height: 250 }, 32)).toBe(square);
    expect(frameShapedInput(square, { width: 480, height: 640 }, 32)).toBe(square);
    expect(frameShapedInput(square, { width: 641, height: 640 }, 32)).toBe(square);
  });
});

describe('reshapedModel', () => {
  // A graph input's TensorShapeProto dims [1, 3, 640, 640] as protobuf encodes them, among other bytes.
  const dims = (h: number[], w: number[]) => [
    0x0a,
    2,
    8,
    1,
    0x0a,
    2,
    8,
    3,
    0x0a,
    3,
    8,
    ...h,
    0x0a,
    3,
    8,
    ...w,
  ];
  const v640 = [0x80, 0x05];
  const v480 = [0xe0, 0x03];
  const model = Uint8Array.from([9, 9, ...dims(v640, v640), 7, 7]);

  it('rewrites the declared input size in place, every other byte unchanged', () => {
    const out = reshapedModel(model, { width: 640, height: 640 }, { width: 640, height: 480 });
    expect([...out]).toEqual([9, 9, ...dims(v480, v640), 7, 7]);
    expect([...model]).toEqual([9, 9, ...dims(v640, v640), 7, 7]);
  });
  it('refuses a size that encodes to another length, an input it cannot find, or one found twice', () => {
    expect(() => reshapedModel(model, { width: 640, height: 640 }, { width: 640, height: 96 })).toThrow(
      /encode to different lengths/,
    );
    expect(() => reshapedModel(model, { width: 320, height: 320 }, { width: 320, height: 240 })).toThrow(
      /nowhere/,
    );
    const twice = Uint8Array.from([...model, ...dims(v640, v640)]);
    expect(() => reshapedModel(twice, { width: 640, height: 640 }, { width: 640, height: 480 })).toThrow(
      /2 times/,
    );
  });
});
