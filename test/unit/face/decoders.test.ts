import { describe, expect, it } from 'vitest';
import { decodeScrfd, scrfdLayoutForOutputCount } from '../../../src/core/face/decoders/scrfd';
import { decodeYunet } from '../../../src/core/face/decoders/yunet';
import { decodeUltraface, ultrafacePriors } from '../../../src/core/face/decoders/ultraface';
import { fivePointsFrom68, landmarks68ToImage } from '../../../src/core/face/decoders/landmark68';
import {
  scrfdLayoutSchema,
  ultrafaceLayoutSchema,
  yunetLayoutSchema,
  parseLayout,
} from '../../../src/core/face/layouts';

describe('decodeScrfd', () => {
  // A 64x32 input: stride 32 gives a 2x1 map with 2 anchors per cell, stride 16 a 4x2 map.
  const layout = scrfdLayoutSchema.parse({ strides: [16, 32] });

  function outputs() {
    const s16 = new Float32Array(4 * 2 * 2);
    const s32 = new Float32Array(2 * 1 * 2);
    const b16 = new Float32Array(s16.length * 4);
    const b32 = new Float32Array(s32.length * 4);
    const k16 = new Float32Array(s16.length * 10);
    const k32 = new Float32Array(s32.length * 10);
    // stride 32, cell (col 1, row 0), second anchor (index 3): centre (32, 0).
    s32[3] = 0.9;
    b32.set([0.5, 0.25, 1, 0.75], 3 * 4);
    k32.set([-0.25, 0.25, 0.25, 0.25, 0, 0.5, -0.25, 0.75, 0.25, 0.75], 3 * 10);
    // stride 16, cell (col 2, row 1), first anchor (index 12): centre (32, 16); below threshold.
    s16[12] = 0.3;
    return [s16, s32, b16, b32, k16, k32];
  }

  it('decodes anchor centres, distances and keypoints times the stride', () => {
    const [c] = decodeScrfd(outputs(), layout, 64, 32, 0.5);
    expect(c.score).toBeCloseTo(0.9);
    expect(c.box).toEqual({ x1: 32 - 16, y1: 0 - 8, x2: 32 + 32, y2: 0 + 24 });
    expect(c.landmarks?.map((p) => [p.x, p.y])).toEqual([
      [24, 8],
      [40, 8],
      [32, 16],
      [24, 24],
      [40, 24],
    ]);
  });

  it('keeps only anchors at or above the threshold', () => {
    expect(decodeScrfd(outputs(), layout, 64, 32, 0.5)).toHaveLength(1);
    expect(decodeScrfd(outputs(), layout, 64, 32, 0.3)).toHaveLength(2);
    expect(decodeScrfd(outputs(), layout, 64, 32, 0.95)).toHaveLength(0);
  });

  it('applies a landmark order from the layout', () => {
    const swapped = { ...layout, landmarkOrder: [1, 0, 2, 4, 3] };
    const [c] = decodeScrfd(outputs(), swapped, 64, 32, 0.5);
    expect(c.landmarks?.[0]).toEqual({ x: 40, y: 8 });
    expect(c.landmarks?.[3]).toEqual({ x: 40, y: 24 });
  });

  it('follows InsightFace for layouts by output count', () => {
    expect(scrfdLayoutForOutputCount(9)).toEqual({
      strides: [8, 16, 32],
      anchorsPerCell: 2,
      keypoints: true,
    });
    expect(scrfdLayoutForOutputCount(15).strides).toEqual([8, 16, 32, 64, 128]);
    expect(scrfdLayoutForOutputCount(10).keypoints).toBe(false);
    expect(() => scrfdLayoutForOutputCount(7)).toThrow(/6, 9, 10 or 15/);
  });
});

describe('decodeYunet', () => {
  it('decodes sqrt(cls*obj), centre offsets, exp sizes and keypoints per stride', () => {
    const cols = 640 / 32;
    const n = cols * cols;
    const cls = new Float32Array(n);
    const obj = new Float32Array(n);
    const bbox = new Float32Array(n * 4);
    const kps = new Float32Array(n * 10);
    const i = 3 * cols + 5; // row 3, col 5
    cls[i] = 0.81;
    obj[i] = 1;
    bbox.set([0.5, 0.5, Math.log(2), Math.log(3)], i * 4);
    kps.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
    cls[i + 1] = 0.5; // score sqrt(0.5 * 0) = 0
    const layout = yunetLayoutSchema.parse({ landmarkOrder: [1, 0, 2, 4, 3] });
    const out = decodeYunet([{ stride: 32, cls, obj, bbox, kps }], layout, 640, 0.6);
    expect(out).toHaveLength(1);
    expect(out[0].score).toBeCloseTo(0.9);
    // centre (5.5 * 32, 3.5 * 32) = (176, 112), size (64, 96)
    const { x1, y1, x2, y2 } = out[0].box;
    [x1, y1, x2, y2].forEach((v, k) => expect(v).toBeCloseTo([144, 64, 208, 160][k], 4));
    expect(out[0].landmarks?.[0]).toEqual({ x: 192, y: 96 }); // the model's point 1
    expect(out[0].landmarks?.[2]).toEqual({ x: 176, y: 112 });
  });
});

describe('decodeUltraface', () => {
  const corners = ultrafaceLayoutSchema.parse({});
  const priorsLayout = ultrafaceLayoutSchema.parse({ boxEncoding: 'priors' });

  it('generates the 4420 priors of the 320x240 model', () => {
    const priors = ultrafacePriors(corners, 320, 240);
    expect(priors.length / 4).toBe(4420);
    // first prior: level 0, row 0, col 0, min size 10
    expect(Array.from(priors.subarray(0, 4))).toEqual([
      Math.fround(4 / 320),
      Math.fround(4 / 240),
      Math.fround(10 / 320),
      Math.fround(10 / 240),
    ]);
  });

  it('scales decoded corners to the input and keeps face scores above the threshold', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.8, 0.2]);
    const boxes = Float32Array.from([0.25, 0.5, 0.5, 1, 0, 0, 1, 1]);
    const out = decodeUltraface(scores, boxes, corners, 320, 240, 0.7);
    expect(out).toEqual([{ score: Math.fround(0.9), box: { x1: 80, y1: 120, x2: 160, y2: 240 } }]);
  });

  it('decodes SSD offsets against priors with the variances', () => {
    const priors = Float32Array.from([0.5, 0.5, 0.1, 0.2]);
    // offsets that move the centre by (+0.01, -0.02) and double the width: dx = 0.01 / (0.1 * 0.1)
    const boxes = Float32Array.from([1, -1, Math.log(2) / 0.2, 0]);
    const out = decodeUltraface(Float32Array.from([0, 1]), boxes, priorsLayout, 100, 100, 0.5, priors);
    expect(out[0].box.x1).toBeCloseTo((0.51 - 0.1) * 100, 4);
    expect(out[0].box.x2).toBeCloseTo((0.51 + 0.1) * 100, 4);
    expect(out[0].box.y1).toBeCloseTo((0.48 - 0.1) * 100, 4);
    expect(out[0].box.y2).toBeCloseTo((0.48 + 0.1) * 100, 4);
  });
});

describe('68-point landmarks', () => {
  it('maps crop-relative points to the image and reduces them to the 5 ArcFace points', () => {
    const output = new Float32Array(136);
    for (let k = 0; k < 68; k++) {
      output[2 * k] = k / 100;
      output[2 * k + 1] = 0.5;
    }
    const points = landmarks68ToImage(output, { x1: 10, y1: 20, x2: 110, y2: 220 });
    expect(points[30].x).toBeCloseTo(10 + 30, 4);
    expect(points[30].y).toBeCloseTo(20 + 100, 4);
    const five = fivePointsFrom68(points);
    expect(five[0].x).toBeCloseTo(10 + 38.5); // mean of 36..41
    expect(five[1].x).toBeCloseTo(10 + 44.5); // mean of 42..47
    expect(five[2].x).toBeCloseTo(40);
    expect(five[3].x).toBeCloseTo(58);
    expect(five[4].x).toBeCloseTo(64);
  });
});

describe('parseLayout', () => {
  it('names the model when the catalog layout is invalid', () => {
    expect(() => parseLayout(scrfdLayoutSchema, { strides: 'eight' }, 'det-x')).toThrow(/det-x/);
    expect(() => parseLayout(yunetLayoutSchema, { landmarkOrder: [0, 0, 1, 2, 3] }, 'yunet')).toThrow(
      /permutation/,
    );
  });
});
