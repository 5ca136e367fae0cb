import type { Detection, StageTimings } from './types';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A detection as plain JSON: pixel coordinates to 0.1 px, score to 4 decimals. */
export function detectionToJson(face: Detection) {
  const { x1, y1, x2, y2 } = face.box;
  return {
    box: { x1: round(x1, 1), y1: round(y1, 1), x2: round(x2, 1), y2: round(y2, 1) },
    score: round(face.score, 4),
    landmarks: face.landmarks.map((p) => ({ x: round(p.x, 1), y: round(p.y, 1) })),
  };
}

/** Stage timings rounded to 0.01 ms. */
export function timingsToJson(timings: StageTimings): StageTimings {
  return {
    detect: round(timings.detect, 2),
    align: round(timings.align, 2),
    embed: round(timings.embed, 2),
    liveness: round(timings.liveness, 2),
    total: round(timings.total, 2),
  };
}
