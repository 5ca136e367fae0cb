import type { YunetLayout } from '../layouts';
import { landmarksFrom, type Candidate } from './candidate';

/** YuNet's outputs for one stride, found by name (cls_8, obj_8, bbox_8, kps_8, ...). */
export interface YunetLevel {
  stride: number;
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Decodes YuNet (libfacedetection.train yunet_head.py, OpenCV FaceDetectorYN): score =
 * sqrt(cls * obj) of the already-sigmoid outputs; box centre (col + dx, row + dy) * stride, size
 * exp(dw, dh) * stride; landmark k at (col + kx, row + ky) * stride. Coordinates are those of the
 * input tensor; landmarks are reordered to ours with layout.landmarkOrder.
 */
export function decodeYunet(
  levels: readonly YunetLevel[],
  layout: YunetLayout,
  inputWidth: number,
  threshold: number,
): Candidate[] {
  const candidates: Candidate[] = [];
  const points = new Float32Array(10);
  for (const { stride, cls, obj, bbox, kps } of levels) {
    const cols = Math.floor(inputWidth / stride);
    // score >= t  <=>  cls * obj >= t^2: skip the sqrt for the thousands of empty cells.
    const minProduct = threshold * threshold;
    for (let i = 0; i < cls.length; i++) {
      const product = clamp01(cls[i]) * clamp01(obj[i]);
      if (!(product >= minProduct)) continue;
      const col = i % cols;
      const row = Math.floor(i / cols);
      const cx = (col + bbox[i * 4]) * stride;
      const cy = (row + bbox[i * 4 + 1]) * stride;
      const w = Math.exp(bbox[i * 4 + 2]) * stride;
      const h = Math.exp(bbox[i * 4 + 3]) * stride;
      for (let k = 0; k < 5; k++) {
        points[2 * k] = (col + kps[i * 10 + 2 * k]) * stride;
        points[2 * k + 1] = (row + kps[i * 10 + 2 * k + 1]) * stride;
      }
      candidates.push({
        score: Math.sqrt(product),
        box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
        landmarks: landmarksFrom(points, 0, layout.landmarkOrder),
      });
    }
  }
  return candidates;
}
