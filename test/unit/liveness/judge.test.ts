import { describe, expect, it } from 'vitest';
import { minifasnetBox, minifasnetCrop } from '../../../src/core/face/liveness/crop';
import { cannotJudge } from '../../../src/core/face/liveness/judge';
import type { Box } from '../../../src/core/face/types';

const frame = { width: 640, height: 480 };
const input = { width: 80, height: 80 };

function judge(face: Box, scale: number, minContextMargin = 0.1) {
  const crop = minifasnetCrop(frame, minifasnetBox(face), scale);
  return cannotJudge(face, frame, crop, input, { minContextMargin });
}

const square = (cx: number, cy: number, side: number): Box => ({
  x1: cx - side / 2,
  y1: cy - side / 2,
  x2: cx + side / 2,
  y2: cy + side / 2,
});

describe('when a liveness model cannot judge a face', () => {
  it('judges a face in the middle of a 640x480 frame at its full 2.7x and 4.0x context', () => {
    expect(judge(square(320, 240, 100), 2.7)).toBeNull();
    expect(judge(square(320, 240, 100), 4.0)).toBeNull();
  });

  it('reports a face whose crop would be smaller than the 80x80 input as too small', () => {
    // Upstream's box is right - left + 1 = 29 px wide; 2.7 x 29 = 78 px < 80: an upscaled blur.
    expect(judge(square(320, 240, 28), 2.7)).toBe('face_too_small');
    expect(judge(square(320, 240, 31), 2.7)).toBeNull();
    // The 4.0x crop of the same face is large enough.
    expect(judge(square(320, 240, 25), 4.0)).toBeNull();
  });

  it('reports a face so large that the frame leaves no background around it as too close', () => {
    // 479 / 440 = 1.09x at most: under a twentieth of the face on each side.
    expect(judge(square(320, 240, 440), 4.0)).toBe('face_too_close');
  });

  it('still judges a large face when the clamped crop keeps a tenth of the face on every side', () => {
    // 479 / 380 = 1.26x, centred: 0.13 of the face above and below.
    expect(judge(square(320, 240, 380), 4.0)).toBeNull();
  });

  it('reports a face touching or crossing the frame edge as at the edge', () => {
    expect(judge(square(40, 240, 100), 4.0)).toBe('face_at_edge');
    expect(judge(square(320, 20, 100), 2.7)).toBe('face_at_edge');
    expect(judge(square(630, 470, 80), 2.7)).toBe('face_at_edge');
    // Cut by the edge and too large for the frame: the edge is what the person can fix first.
    expect(judge(square(600, 240, 460), 4.0)).toBe('face_at_edge');
    // Inside the frame but 5 px (0.05 of the face) from its left edge.
    expect(judge(square(55, 240, 100), 4.0)).toBe('face_at_edge');
  });

  it('judges a face near, but not at, the edge: the shifted crop still shows background on its side', () => {
    // The face starts 15 px (0.15 of its size) from the left edge.
    expect(judge(square(65, 240, 100), 4.0)).toBeNull();
  });

  it('follows the margin of the rule it is given', () => {
    const face = square(80, 240, 100); // 30 px (0.3) from the left edge
    expect(judge(face, 4.0, 0.2)).toBeNull();
    expect(judge(face, 4.0, 0.35)).toBe('face_at_edge');
    expect(judge(square(320, 240, 300), 4.0, 0.35)).toBe('face_too_close');
  });
});
