import { describe, expect, it } from 'vitest';
import {
  adaptBox,
  facepluginBox,
  facepluginCrop,
  minifasnetBox,
  minifasnetCrop,
  rectHeight,
  rectWidth,
} from '../../../src/core/face/liveness/crop';
import { isFaceGateError } from '../../../src/core/errors';

type Xywh = [number, number, number, number];

// Expected corners produced by running upstream's own CropImage._get_new_box
// (minivision-ai/Silent-Face-Anti-Spoofing@b6d5f04 src/generate_patches.py) on each case.
const upstreamCases: { frame: [number, number]; box: Xywh; scale: number; rect: Xywh }[] = [
  { frame: [640, 480], box: [300, 200, 50, 60], scale: 2.7, rect: [257, 149, 392, 311] },
  { frame: [640, 480], box: [300, 200, 50, 60], scale: 4.0, rect: [225, 110, 425, 350] },
  { frame: [480, 640], box: [100, 100, 200, 300], scale: 4.0, rect: [0, 0, 426, 639] },
  { frame: [480, 640], box: [100, 100, 200, 300], scale: 2.7, rect: [0, 0, 426, 639] },
  { frame: [640, 480], box: [600, 440, 30, 30], scale: 2.7, rect: [558, 398, 639, 479] },
  { frame: [640, 480], box: [0, 0, 40, 40], scale: 4.0, rect: [0, 0, 160, 160] },
  { frame: [640, 480], box: [-10, 100, 60, 60], scale: 2.7, rect: [0, 49, 162, 211] },
  { frame: [640, 480], box: [500, -20, 120, 150], scale: 4.0, rect: [255, 0, 639, 479] },
  { frame: [640, 480], box: [10, 10, 630, 470], scale: 2.7, rect: [0, 2, 639, 479] },
  { frame: [1617, 2160], box: [634, 607, 374, 537], scale: 4.0, rect: [73, 0, 1569, 2148] },
  { frame: [100, 80], box: [33, 21, 17, 19], scale: 2.7, rect: [18, 4, 64, 56] },
  { frame: [641, 481], box: [321, 11, 101, 203], scale: 4.0, rect: [252, 0, 490, 480] },
];

// cv.Rect(x, y, width, height) recorded by running the package's own alignLivenessImage
// (faceplugin-face-recognition-js lib/fr_liveness.js) with a stub cv, scale 2.7.
const facepluginCases: { frame: [number, number]; box: Xywh; cvRect: Xywh }[] = [
  { frame: [640, 480], box: [300, 200, 50, 60], cvRect: [257, 149, 135, 162] },
  { frame: [480, 640], box: [100, 100, 200, 300], cvRect: [0, 0, 426, 639] },
  { frame: [640, 480], box: [600, 440, 30, 30], cvRect: [558, 398, 81, 81] },
  { frame: [640, 480], box: [0, 0, 40, 40], cvRect: [0, 0, 108, 108] },
  { frame: [640, 480], box: [500, 0, 120, 150], cvRect: [315, 0, 324, 405] },
  { frame: [100, 80], box: [33, 21, 17, 19], cvRect: [18, 4, 45, 51] },
  { frame: [641, 481], box: [321, 11, 101, 203], cvRect: [252, 0, 238, 480] },
];

const xywh = ([x, y, width, height]: Xywh) => ({ x, y, width, height });

describe('MiniFASNet scaled crop (upstream _get_new_box)', () => {
  it.each(upstreamCases)('frame $frame box $box at $scale gives $rect', ({ frame, box, scale, rect }) => {
    const crop = minifasnetCrop({ width: frame[0], height: frame[1] }, xywh(box), scale);
    expect([crop.rect.left, crop.rect.top, crop.rect.right, crop.rect.bottom]).toEqual(rect);
  });

  it('keeps the requested scale when the crop fits, centred on the face', () => {
    const crop = minifasnetCrop({ width: 640, height: 480 }, xywh([300, 200, 50, 60]), 2.7);
    expect(crop.appliedScale).toBe(2.7);
    // Inclusive: 257..392 is 136 columns for a 135-pixel-wide scaled box.
    expect(rectWidth(crop.rect)).toBe(136);
    expect(rectHeight(crop.rect)).toBe(163);
  });

  it('clamps the scale to min((H-1)/h, (W-1)/w, scale) when the face is large for the frame', () => {
    const byHeight = minifasnetCrop({ width: 480, height: 640 }, xywh([100, 100, 200, 300]), 4.0);
    expect(byHeight.appliedScale).toBeCloseTo(639 / 300, 12);
    const byWidth = minifasnetCrop({ width: 640, height: 480 }, xywh([10, 10, 630, 470]), 2.7);
    expect(byWidth.appliedScale).toBeCloseTo(Math.min(479 / 470, 639 / 630), 12);
    // The clamped crop is never larger than the frame.
    expect(byWidth.rect.left).toBeGreaterThanOrEqual(0);
    expect(byWidth.rect.right).toBeLessThanOrEqual(639);
  });

  it('shifts a crop that would leave the frame back inside at every edge', () => {
    const frame = { width: 640, height: 480 };
    for (const box of [
      [0, 0, 40, 40],
      [600, 440, 30, 30],
      [-10, 100, 60, 60],
      [500, -20, 120, 150],
    ] as Xywh[]) {
      const { rect } = minifasnetCrop(frame, xywh(box), 4.0);
      expect(rect.left).toBeGreaterThanOrEqual(0);
      expect(rect.top).toBeGreaterThanOrEqual(0);
      expect(rect.right).toBeLessThanOrEqual(639);
      expect(rect.bottom).toBeLessThanOrEqual(479);
    }
  });

  it('refuses an empty face box with a FaceGateError instead of producing a nonsense crop', () => {
    const call = () => minifasnetCrop({ width: 640, height: 480 }, xywh([10, 10, 0, 20]), 2.7);
    expect(call).toThrow();
    try {
      call();
    } catch (error) {
      expect(isFaceGateError(error, 'INVALID_INPUT')).toBe(true);
    }
  });
});

describe('fr_liveness crop (the package rounds and excludes the far edge)', () => {
  it.each(facepluginCases)('frame $frame box $box gives cv.Rect $cvRect', ({ frame, box, cvRect }) => {
    const { rect } = facepluginCrop({ width: frame[0], height: frame[1] }, xywh(box), 2.7);
    expect([rect.left, rect.top, rectWidth(rect), rectHeight(rect)]).toEqual(cvRect);
  });
});

describe('box conventions', () => {
  it("builds upstream's integer box like Python's int(): truncation toward zero, size right-left+1", () => {
    expect(minifasnetBox({ x1: -3.7, y1: 10.9, x2: 50.2, y2: 80.6 })).toEqual({
      x: -3,
      y: 10,
      width: 54,
      height: 70,
    });
  });

  it('squares the starter pack box on its height and clips it to the frame, as fr_detect.js does', () => {
    expect(facepluginBox({ x1: 100, y1: 50, x2: 180, y2: 170 }, { width: 640, height: 480 })).toEqual({
      x: 80,
      y: 50,
      width: 120,
      height: 120,
    });
    const clipped = facepluginBox({ x1: 0, y1: 400, x2: 60, y2: 500 }, { width: 640, height: 480 });
    expect(clipped).toEqual({ x: 0, y: 400, width: 80, height: 79 });
  });

  it('moves and rescales a box about its centre', () => {
    const box = adaptBox({ x1: 100, y1: 100, x2: 200, y2: 300 }, { dx: 0.1, dy: -0.05, sw: 1.2, sh: 0.8 });
    expect(box.x1).toBeCloseTo(100, 9);
    expect(box.x2).toBeCloseTo(220, 9);
    expect(box.y1).toBeCloseTo(110, 9);
    expect(box.y2).toBeCloseTo(270, 9);
  });
});
