import { describe, expect, it } from 'vitest';
import { reflect101, squareCrop, squareCropToTensor } from '../../../src/core/face/liveness/square-crop';
import { createRgbImage } from '../../../src/core/image';

describe("face-antispoof-onnx's square crop (measured on spoof-dev, not in a pack yet)", () => {
  it('reflects indices like cv2.BORDER_REFLECT_101', () => {
    // cv2: ... 2 1 | 0 1 2 3 | 2 1 0 ...
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflect101(i, 4))).toEqual([
      3, 2, 1, 0, 1, 2, 3, 2, 1, 0,
    ]);
  });

  it('takes 1.5 times the longer side of the truncated box about its centre', () => {
    expect(squareCrop({ x1: 100.7, y1: 50.2, x2: 180.9, y2: 170.4 })).toEqual({ x0: 50, y0: 20, side: 180 });
  });

  it('averages areas when shrinking and scales RGB to [0, 1]', () => {
    const image = createRgbImage(4, 4);
    for (let i = 0; i < 16; i++) image.data.set([i < 8 ? 255 : 0, 0, 51], i * 3);
    const t = squareCropToTensor(image, { x0: 0, y0: 0, side: 4 }, 2);
    expect(Array.from(t.slice(0, 4))).toEqual([1, 1, 0, 0]);
    expect(Array.from(t.slice(8, 12)).map((v) => Number(v.toFixed(3)))).toEqual([0.2, 0.2, 0.2, 0.2]);
  });
});
