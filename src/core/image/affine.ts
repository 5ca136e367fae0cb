import { FaceGateError } from '../errors';
import type { Affine, Point } from './types';

/**
 * The least-squares similarity transform (rotation, uniform scale, translation; no reflection)
 * mapping src onto dst: Umeyama's method, as skimage's SimilarityTransform.estimate does for
 * InsightFace's face_align.estimate_norm. In 2-D the SVD reduces to a closed form: with both point
 * sets centred, scale*cos = sum(s.d) / sum(|s|^2) and scale*sin = sum(s x d) / sum(|s|^2).
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `estimateSimilarity needs two lists of the same length (at least 2 points), got ${src.length} and ${dst.length}.`,
    );
  }
  const n = src.length;
  let srcX = 0;
  let srcY = 0;
  let dstX = 0;
  let dstY = 0;
  for (let i = 0; i < n; i++) {
    srcX += src[i].x;
    srcY += src[i].y;
    dstX += dst[i].x;
    dstY += dst[i].y;
  }
  srcX /= n;
  srcY /= n;
  dstX /= n;
  dstY /= n;
  let dot = 0;
  let cross = 0;
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i].x - srcX;
    const sy = src[i].y - srcY;
    const dx = dst[i].x - dstX;
    const dy = dst[i].y - dstY;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
    spread += sx * sx + sy * sy;
  }
  if (!(spread > 0) || !Number.isFinite(dot + cross)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      'estimateSimilarity: the source points all coincide (or are not finite numbers); no transform fits them.',
    );
  }
  const a = dot / spread; // scale * cos(angle)
  const b = cross / spread; // scale * sin(angle)
  return [a, -b, dstX - (a * srcX - b * srcY), b, a, dstY - (b * srcX + a * srcY)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

/** The inverse transform (as cv2.invertAffineTransform); a singular matrix is an INVALID_INPUT error. */
export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (det === 0 || !Number.isFinite(det)) {
    throw new FaceGateError('INVALID_INPUT', `invertAffine: the matrix [${m.join(', ')}] is not invertible.`);
  }
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** m2 after m1: applyAffine(composeAffine(m2, m1), p) === applyAffine(m2, applyAffine(m1, p)). */
export function composeAffine(m2: Affine, m1: Affine): Affine {
  return [
    m2[0] * m1[0] + m2[1] * m1[3],
    m2[0] * m1[1] + m2[1] * m1[4],
    m2[0] * m1[2] + m2[1] * m1[5] + m2[2],
    m2[3] * m1[0] + m2[4] * m1[3],
    m2[3] * m1[1] + m2[4] * m1[4],
    m2[3] * m1[2] + m2[4] * m1[5] + m2[5],
  ];
}
