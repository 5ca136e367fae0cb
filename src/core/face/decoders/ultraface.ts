import type { UltrafaceLayout } from '../layouts';
import type { Candidate } from './candidate';

type PriorConfig = Pick<UltrafaceLayout, 'minSizes' | 'steps'>;

/**
 * SSD priors of Ultra-Light-Fast-Generic-Face-Detector (generate_priors): per level, rows then
 * columns of the ceil(size / step) feature map, then each min size; [cx, cy, w, h] in [0, 1].
 */
export function ultrafacePriors(config: PriorConfig, inputWidth: number, inputHeight: number): Float32Array {
  const values: number[] = [];
  config.steps.forEach((step, level) => {
    const cols = Math.ceil(inputWidth / step);
    const rows = Math.ceil(inputHeight / step);
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        for (const size of config.minSizes[level]) {
          values.push(((col + 0.5) * step) / inputWidth, ((row + 0.5) * step) / inputHeight);
          values.push(size / inputWidth, size / inputHeight);
        }
      }
    }
  });
  return Float32Array.from(values);
}

/**
 * Decodes UltraFace outputs: `scores` [N, 2] (background, face; already softmaxed) and `boxes`
 * [N, 4]. With boxEncoding 'corners' (the published ONNX exports) boxes are [0, 1] corners;
 * with 'priors' they are SSD offsets decoded against `priors` with the layout's variances.
 * Coordinates are those of the input tensor. UltraFace has no landmarks.
 */
export function decodeUltraface(
  scores: Float32Array,
  boxes: Float32Array,
  layout: UltrafaceLayout,
  inputWidth: number,
  inputHeight: number,
  threshold: number,
  priors?: Float32Array,
): Candidate[] {
  const count = scores.length / 2;
  if (layout.boxEncoding === 'priors' && (!priors || priors.length !== count * 4)) {
    throw new Error(`UltraFace prior decoding needs ${count} priors, got ${priors ? priors.length / 4 : 0}`);
  }
  const [v0, v1] = layout.variance;
  const candidates: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    const score = scores[i * 2 + 1];
    if (!(score >= threshold)) continue;
    let x1 = boxes[i * 4];
    let y1 = boxes[i * 4 + 1];
    let x2 = boxes[i * 4 + 2];
    let y2 = boxes[i * 4 + 3];
    if (layout.boxEncoding === 'priors' && priors) {
      const [px, py, pw, ph] = priors.subarray(i * 4, i * 4 + 4);
      const cx = px + x1 * v0 * pw;
      const cy = py + y1 * v0 * ph;
      const w = pw * Math.exp(x2 * v1);
      const h = ph * Math.exp(y2 * v1);
      [x1, y1, x2, y2] = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    }
    candidates.push({
      score,
      box: { x1: x1 * inputWidth, y1: y1 * inputHeight, x2: x2 * inputWidth, y2: y2 * inputHeight },
    });
  }
  return candidates;
}
