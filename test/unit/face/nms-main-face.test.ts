import { describe, expect, it } from 'vitest';
import { iou, nms } from '../../../src/core/face/nms';
import { mainFaceScore, sortMainFaceFirst } from '../../../src/core/face/main-face';
import { SerialQueue } from '../../../src/core/face/serial-queue';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe('nms', () => {
  it('computes IoU with the +1 pixel convention', () => {
    expect(iou(box(0, 0, 9, 9), box(0, 0, 9, 9))).toBe(1);
    expect(iou(box(0, 0, 9, 9), box(5, 0, 14, 9))).toBeCloseTo(50 / 150);
    expect(iou(box(0, 0, 9, 9), box(20, 20, 29, 29))).toBe(0);
  });

  it('keeps the best box of an overlapping cluster and separate faces', () => {
    const items = [
      { box: box(0, 0, 99, 99), score: 0.8 },
      { box: box(5, 5, 104, 104), score: 0.95 },
      { box: box(300, 300, 399, 399), score: 0.7 },
      { box: box(50, 0, 149, 99), score: 0.6 }, // IoU with the winner ~0.4: threshold decides
    ];
    expect(nms(items, 0.4).map((i) => i.score)).toEqual([0.95, 0.7, 0.6]);
    expect(nms(items, 0.3).map((i) => i.score)).toEqual([0.95, 0.7]);
  });
});

describe('main face', () => {
  it('prefers a large central face over a slightly larger one at the edge', () => {
    const central = { box: box(270, 190, 370, 290) };
    const edge = { box: box(0, 0, 110, 110) };
    expect(mainFaceScore(central.box, 640, 480)).toBeGreaterThan(mainFaceScore(edge.box, 640, 480));
    expect(sortMainFaceFirst([edge, central], 640, 480)).toEqual([central, edge]);
  });
});

describe('SerialQueue', () => {
  it('never runs two tasks at once and survives a failed task', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const task =
      (n: number, fail = false) =>
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        order.push(n);
        if (fail) throw new Error(`task ${n}`);
        return n;
      };
    const results = await Promise.allSettled([
      queue.run(task(1)),
      queue.run(task(2, true)),
      queue.run(task(3)),
    ]);
    expect(maxRunning).toBe(1);
    expect(order).toEqual([1, 2, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
