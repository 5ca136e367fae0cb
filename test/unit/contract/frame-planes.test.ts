import { describe, expect, it } from 'vitest';
import { isCameraPlanes, packI420, planeColor, planeFactor } from '../../../src/shared/frame-planes';

/** A 4x4 frame's planes in a padded buffer, as VideoFrame.copyTo may lay them out (strides > width). */
function i420(width: number, height: number, pad: number) {
  const yStride = width + pad;
  const cStride = width / 2 + pad;
  const layout = [
    { offset: 3, stride: yStride },
    { offset: 3 + yStride * height, stride: cStride },
    { offset: 3 + yStride * height + (cStride * height) / 2, stride: cStride },
  ];
  const buffer = new Uint8Array(layout[2].offset + (cStride * height) / 2).fill(255);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) buffer[layout[0].offset + y * yStride + x] = y * width + x;
  for (let y = 0; y < height / 2; y++)
    for (let x = 0; x < width / 2; x++) {
      buffer[layout[1].offset + y * cStride + x] = 100 + y * 10 + x;
      buffer[layout[2].offset + y * cStride + x] = 200 + y * 10 + x;
    }
  return { buffer, layout };
}

describe('packI420', () => {
  it('copies padded I420 planes into a tight frame at factor 1', () => {
    const { buffer, layout } = i420(4, 4, 2);
    const out = packI420(buffer, layout, 'I420', 4, 4, 1);
    expect([...out]).toEqual([...Array(16).keys(), 100, 101, 110, 111, 200, 201, 210, 211]);
  });

  it('averages 2x2 blocks at factor 2 (1280x720 -> 640x360), rounding', () => {
    const { buffer, layout } = i420(8, 4, 0);
    const out = packI420(buffer, layout, 'I420', 8, 4, 2);
    expect(out.length).toBe(4 * 2 * 1.5);
    // Luma block (0,0): 0, 1, 8, 9 -> 4.5 -> 5.
    expect(out[0]).toBe(5);
    expect(out[3]).toBe(Math.round((6 + 7 + 14 + 15) / 4));
    // Chroma 4x2 -> 2x1: U (100, 101, 110, 111) -> 105.5 -> 106.
    expect(out[8]).toBe(106);
    expect(out[10]).toBe(206);
  });

  it('de-interleaves NV12 into I420', () => {
    const width = 4;
    const height = 2;
    const buffer = Uint8Array.from([
      ...[0, 1, 2, 3, 4, 5, 6, 7],
      // UV interleaved, one row of two pairs.
      ...[50, 60, 51, 61],
    ]);
    const out = packI420(
      buffer,
      [
        { offset: 0, stride: 4 },
        { offset: 8, stride: 4 },
      ],
      'NV12',
      width,
      height,
      1,
    );
    expect([...out]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 50, 51, 60, 61]);
  });
});

describe('planeFactor, planeColor, isCameraPlanes', () => {
  it('takes whole factors that keep the sides even, else null (the canvas path)', () => {
    expect(planeFactor({ width: 640, height: 480 }, { width: 640, height: 480 })).toBe(1);
    expect(planeFactor({ width: 1280, height: 720 }, { width: 640, height: 360 })).toBe(2);
    expect(planeFactor({ width: 1920, height: 1080 }, { width: 640, height: 360 })).toBe(3);
    expect(planeFactor({ width: 1024, height: 768 }, { width: 640, height: 480 })).toBeNull();
    expect(planeFactor({ width: 1280, height: 718 }, { width: 640, height: 359 })).toBeNull();
  });
  it('maps the camera’s colour space, and refuses what FaceGate cannot convert', () => {
    expect(planeColor({ matrix: null, fullRange: null })).toEqual({ matrix: 'bt601', fullRange: false });
    expect(planeColor({ matrix: 'bt709', fullRange: true })).toEqual({ matrix: 'bt709', fullRange: true });
    expect(planeColor({ matrix: 'bt470bg' })).toEqual({ matrix: 'bt601', fullRange: false });
    expect(planeColor({ matrix: 'rgb' })).toBeNull();
    expect(planeColor({ matrix: 'bt2020-ncl' })).toBeNull();
    expect(isCameraPlanes('NV12')).toBe(true);
    expect(isCameraPlanes('RGBA')).toBe(false);
    expect(isCameraPlanes(null)).toBe(false);
  });
});
