import type { Box, Landmarks5 } from '../types';

/**
 * A decoded detector output before NMS, in the coordinates of the model's input tensor.
 * Landmarks are already in our fixed order (types.ts) when the model has them.
 */
export interface Candidate {
  box: Box;
  score: number;
  landmarks?: Landmarks5;
}

/** Builds Landmarks5 from 10 interleaved values (x0, y0, ..., x4, y4) picked in `order`. */
export function landmarksFrom(
  values: ArrayLike<number>,
  offset: number,
  order: readonly number[],
): Landmarks5 {
  const point = (k: number) => ({ x: values[offset + 2 * order[k]], y: values[offset + 2 * order[k] + 1] });
  return [point(0), point(1), point(2), point(3), point(4)];
}

/** Maps a candidate from tensor coordinates back to the image: divide by the letterbox scale. */
export function unscale(candidate: Candidate, scaleX: number, scaleY: number = scaleX): Candidate {
  const { box, landmarks } = candidate;
  return {
    score: candidate.score,
    box: { x1: box.x1 / scaleX, y1: box.y1 / scaleY, x2: box.x2 / scaleX, y2: box.y2 / scaleY },
    landmarks: landmarks?.map((p) => ({ x: p.x / scaleX, y: p.y / scaleY })) as Landmarks5 | undefined,
  };
}
