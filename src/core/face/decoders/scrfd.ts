import type { ScrfdLayout } from '../layouts';
import { landmarksFrom, type Candidate } from './candidate';

/**
 * Decodes SCRFD outputs (InsightFace model_zoo/scrfd.py). `outputs` are the model's outputs in
 * graph order: one score map per stride, then one box map per stride, then (with keypoints) one
 * keypoint map per stride. Anchor centres are (col * stride, row * stride), repeated per anchor;
 * distances are multiplied by the stride (distance2bbox / distance2kps). Only anchors scoring at
 * least `threshold` are decoded. Coordinates are those of the input tensor.
 */
export function decodeScrfd(
  outputs: readonly Float32Array[],
  layout: ScrfdLayout,
  inputWidth: number,
  inputHeight: number,
  threshold: number,
): Candidate[] {
  const levels = layout.strides.length;
  const expected = levels * (layout.keypoints ? 3 : 2);
  if (outputs.length < expected) {
    throw new Error(
      `SCRFD layout with ${levels} strides needs ${expected} outputs, the model gave ${outputs.length}`,
    );
  }
  const candidates: Candidate[] = [];
  layout.strides.forEach((stride, level) => {
    const scores = outputs[level];
    const boxes = outputs[levels + level];
    const kps = layout.keypoints ? outputs[2 * levels + level] : undefined;
    const width = Math.floor(inputWidth / stride);
    const anchors = layout.anchorsPerCell;
    for (let i = 0; i < scores.length; i++) {
      const score = scores[i];
      if (!(score >= threshold)) continue;
      const cell = Math.floor(i / anchors);
      const cx = (cell % width) * stride;
      const cy = Math.floor(cell / width) * stride;
      const b = i * 4;
      const candidate: Candidate = {
        score,
        box: {
          x1: cx - boxes[b] * stride,
          y1: cy - boxes[b + 1] * stride,
          x2: cx + boxes[b + 2] * stride,
          y2: cy + boxes[b + 3] * stride,
        },
      };
      if (kps) {
        const points = new Float32Array(10);
        for (let k = 0; k < 5; k++) {
          points[2 * k] = cx + kps[i * 10 + 2 * k] * stride;
          points[2 * k + 1] = cy + kps[i * 10 + 2 * k + 1] * stride;
        }
        candidate.landmarks = landmarksFrom(points, 0, layout.landmarkOrder);
      }
      candidates.push(candidate);
    }
  });
  return candidates;
}

/** InsightFace's rule for a SCRFD model without a catalog layout: the output count says it all. */
export function scrfdLayoutForOutputCount(
  count: number,
): Pick<ScrfdLayout, 'strides' | 'anchorsPerCell' | 'keypoints'> {
  switch (count) {
    case 6:
      return { strides: [8, 16, 32], anchorsPerCell: 2, keypoints: false };
    case 9:
      return { strides: [8, 16, 32], anchorsPerCell: 2, keypoints: true };
    case 10:
      return { strides: [8, 16, 32, 64, 128], anchorsPerCell: 1, keypoints: false };
    case 15:
      return { strides: [8, 16, 32, 64, 128], anchorsPerCell: 1, keypoints: true };
    default:
      throw new Error(`an SCRFD model has 6, 9, 10 or 15 outputs, this one has ${count}`);
  }
}
