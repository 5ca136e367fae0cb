import type { Box } from './types';

/**
 * InsightFace's `max_num` ranking (SCRFD.detect, metric 'default'): box area minus twice the
 * squared distance of the box centre from the image centre. The largest, most central face wins.
 */
export function mainFaceScore(box: Box, imageWidth: number, imageHeight: number): number {
  const area = (box.x2 - box.x1) * (box.y2 - box.y1);
  const dx = (box.x1 + box.x2) / 2 - Math.floor(imageWidth / 2);
  const dy = (box.y1 + box.y2) / 2 - Math.floor(imageHeight / 2);
  return area - 2 * (dx * dx + dy * dy);
}

/** The faces sorted main face first (a new array). */
export function sortMainFaceFirst<T extends { box: Box }>(
  faces: readonly T[],
  imageWidth: number,
  imageHeight: number,
): T[] {
  return faces
    .map((face) => ({ face, score: mainFaceScore(face.box, imageWidth, imageHeight) }))
    .sort((a, b) => b.score - a.score)
    .map(({ face }) => face);
}
