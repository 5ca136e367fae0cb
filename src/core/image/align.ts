import { FaceGateError } from '../errors';
import { estimateSimilarity } from './affine';
import type { Affine, Point, RgbImage } from './types';
import { warpAffine } from './warp';

/** InsightFace's ArcFace landmark template for a 112x112 crop (face_align.arcface_dst). */
export const arcfaceTemplate112: readonly Point[] = Object.freeze([
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
]);

/**
 * The template for a size x size crop, as face_align.estimate_norm scales it: multiples of 112
 * scale it by size / 112; multiples of 128 by size / 128 and shift it 8 * size / 128 to the right.
 * Other sizes (upstream refuses them) scale by size / 112.
 */
export function arcfaceTemplate(size = 112): Point[] {
  const wide = size % 112 !== 0 && size % 128 === 0;
  const ratio = wide ? size / 128 : size / 112;
  const shiftX = wide ? 8 * ratio : 0;
  return arcfaceTemplate112.map((p) => ({ x: p.x * ratio + shiftX, y: p.y * ratio }));
}

/**
 * The matrix that maps the 5 landmarks (left eye, right eye, nose, left and right mouth corner, as
 * seen in the image) onto the ArcFace template: InsightFace's estimate_norm.
 */
export function alignmentMatrix(landmarks: readonly Point[], size = 112): Affine {
  if (landmarks.length !== 5) {
    throw new FaceGateError('INVALID_INPUT', `Face alignment needs 5 landmarks, got ${landmarks.length}.`);
  }
  if (!Number.isInteger(size) || size <= 0) {
    throw new FaceGateError('INVALID_INPUT', `Face alignment size must be a positive integer, got ${size}.`);
  }
  return estimateSimilarity(landmarks, arcfaceTemplate(size));
}

/** InsightFace's norm_crop: the face warped onto the ArcFace template, size x size, black border. */
export function alignFace(
  image: RgbImage,
  landmarks: readonly Point[],
  size = 112,
): { image: RgbImage; matrix: Affine } {
  const matrix = alignmentMatrix(landmarks, size);
  return { image: warpAffine(image, matrix, size, size), matrix };
}
