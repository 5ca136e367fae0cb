import { describe, expect, it } from 'vitest';
import { contentRect, grabSize, mapBox } from '../../../src/renderer/src/lib/geometry';

describe('contentRect', () => {
  it('letterboxes a 4:3 frame inside a wide element (contain)', () => {
    expect(contentRect(1600, 900, 640, 480, 'contain')).toEqual({ x: 200, y: 0, width: 1200, height: 900 });
  });

  it('crops a 4:3 frame to fill a wide element (cover)', () => {
    const rect = contentRect(1600, 900, 640, 480, 'cover');
    expect(rect.width).toBe(1600);
    expect(rect.height).toBe(1200);
    expect(rect.y).toBe(-150);
  });

  it('stretches with fill and gives an empty rect for empty sizes', () => {
    expect(contentRect(300, 100, 640, 480, 'fill')).toEqual({ x: 0, y: 0, width: 300, height: 100 });
    expect(contentRect(0, 100, 640, 480, 'contain').width).toBe(0);
    expect(contentRect(300, 100, 0, 480, 'contain').width).toBe(0);
  });
});

describe('mapBox', () => {
  const rect = contentRect(1600, 900, 640, 480, 'contain'); // scale 1.875, x offset 200

  it('scales a box from frame pixels into the displayed picture', () => {
    const box = mapBox({ x1: 100, y1: 40, x2: 200, y2: 160 }, 640, 480, rect, false, 1600);
    expect(box).toEqual({ x: 200 + 187.5, y: 75, width: 187.5, height: 225 });
  });

  it('mirrors the x position (not the size) for a mirrored preview', () => {
    const plain = mapBox({ x1: 100, y1: 40, x2: 200, y2: 160 }, 640, 480, rect, false, 1600);
    const mirrored = mapBox({ x1: 100, y1: 40, x2: 200, y2: 160 }, 640, 480, rect, true, 1600);
    expect(mirrored.width).toBe(plain.width);
    expect(mirrored.x).toBe(1600 - plain.x - plain.width);
    expect(mirrored.y).toBe(plain.y);
  });

  it('puts a centred face in the centre either way', () => {
    const box = mapBox({ x1: 270, y1: 190, x2: 370, y2: 290 }, 640, 480, rect, true, 1600);
    expect(box.x + box.width / 2).toBeCloseTo(800);
  });
});

describe('grabSize', () => {
  it('scales the longer side down to the limit and keeps the aspect ratio', () => {
    expect(grabSize(1280, 720, 640)).toEqual({ width: 640, height: 360 });
    expect(grabSize(720, 1280, 640)).toEqual({ width: 360, height: 640 });
  });

  it('never enlarges a small frame', () => {
    expect(grabSize(320, 240, 640)).toEqual({ width: 320, height: 240 });
  });
});
