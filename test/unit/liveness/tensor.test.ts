import { describe, expect, it } from 'vitest';
import { cropImage, resizeToTensor } from '../../../src/core/image';
import type { RgbImage, TensorSpec } from '../../../src/core/image/types';
import { cropResizeToTensor, softmax } from '../../../src/core/face/liveness/liveness-model';

/** A deterministic, non-smooth test pattern so any tap or channel mistake shows. */
function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = (i * 37) % 256;
    data[i * 3 + 1] = (i * 101 + 13) % 256;
    data[i * 3 + 2] = (i * 7 + (i >> 5)) % 256;
  }
  return { width, height, data };
}

describe('cropResizeToTensor', () => {
  const image = pattern(213, 157);
  const specs: TensorSpec[] = [
    { channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1] },
    { channelOrder: 'rgb', mean: [127.5, 120, 110], std: [128, 64, 32] },
  ];
  const rects = [
    { left: 0, top: 0, right: 212, bottom: 156 },
    { left: 17, top: 9, right: 150, bottom: 140 },
    { left: 200, top: 150, right: 212, bottom: 156 }, // smaller than the output: upscaled
  ];

  it.each(rects)('equals cropImage + resizeToTensor for rect %o', (rect) => {
    for (const spec of specs) {
      const w = rect.right - rect.left + 1;
      const h = rect.bottom - rect.top + 1;
      const expected = resizeToTensor(cropImage(image, rect.left, rect.top, w, h), 80, 80, spec);
      const actual = cropResizeToTensor(image, rect, 80, 80, spec, new Float32Array(3 * 80 * 80));
      expect(Array.from(actual)).toEqual(Array.from(expected));
    }
  });
});

describe('softmax', () => {
  it('gives probabilities summing to 1, stable for large logits', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]);
    expect(p[0]).toBeGreaterThan(p[2]);
  });
});
