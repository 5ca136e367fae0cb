import type { RgbImage } from '../../image/types';
import type { Box } from '../types';

/**
 * face-antispoof-onnx's crop (johnraivenolazo/face-antispoof-onnx, src/inference/preprocess.py;
 * ../shared/models/MODELS.md): a square of 1.5 times the longer side of the truncated YuNet box,
 * about its centre; what falls outside the frame is padded with cv2.BORDER_REFLECT_101 (never
 * shifted inside, never black); resized to size x size with an area (box-filter) average when
 * shrinking, bilinear when enlarging (upstream: Lanczos); RGB, x / 255, NCHW.
 */
export interface SquareCrop {
  /** Left, top and side of the square in frame pixels; may reach outside the frame. */
  x0: number;
  y0: number;
  side: number;
}

export function squareCrop(box: Box, scale = 1.5): SquareCrop {
  const x = Math.trunc(box.x1);
  const y = Math.trunc(box.y1);
  const w = Math.trunc(box.x2 - box.x1);
  const h = Math.trunc(box.y2 - box.y1);
  const m = Math.max(w, h, 1);
  const cx = x + w / 2;
  const cy = y + h / 2;
  return {
    x0: Math.trunc(cx - (scale * m) / 2),
    y0: Math.trunc(cy - (scale * m) / 2),
    side: Math.max(1, Math.trunc(scale * m)),
  };
}

/** cv2.BORDER_REFLECT_101 index: ...2 1 | 0 1 2 ... n-1 | n-2 ... */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/** For each output cell, the source cells it covers and their weights (area average, or bilinear). */
function axisWeights(srcSize: number, dstSize: number): { index: number[]; weight: number[] }[] {
  const scale = srcSize / dstSize;
  const cells: { index: number[]; weight: number[] }[] = [];
  for (let d = 0; d < dstSize; d++) {
    if (scale >= 1) {
      const start = d * scale;
      const end = start + scale;
      const index: number[] = [];
      const weight: number[] = [];
      for (let s = Math.floor(start); s < Math.ceil(end - 1e-9); s++) {
        const w = Math.min(end, s + 1) - Math.max(start, s);
        if (w > 1e-9) {
          index.push(s);
          weight.push(w / scale);
        }
      }
      cells.push({ index, weight });
    } else {
      const f = (d + 0.5) * scale - 0.5;
      const s = Math.floor(f);
      const w = f - s;
      cells.push({ index: [s, s + 1], weight: [1 - w, w] });
    }
  }
  return cells;
}

/** The square crop of `image` as a 1x3xSIZExSIZE RGB tensor in [0, 1], reflect-101 padded. */
export function squareCropToTensor(
  image: RgbImage,
  crop: SquareCrop,
  size: number,
  out?: Float32Array,
): Float32Array {
  const tensor = out ?? new Float32Array(3 * size * size);
  const xs = axisWeights(crop.side, size).map((c) => ({
    index: c.index.map((i) => reflect101(Math.min(Math.max(i, 0), crop.side - 1) + crop.x0, image.width)),
    weight: c.weight,
  }));
  const ys = axisWeights(crop.side, size).map((c) => ({
    index: c.index.map((i) => reflect101(Math.min(Math.max(i, 0), crop.side - 1) + crop.y0, image.height)),
    weight: c.weight,
  }));
  const plane = size * size;
  const src = image.data;
  const row = new Float32Array(size * 3);
  for (let y = 0; y < size; y++) {
    row.fill(0);
    const cy = ys[y];
    for (let k = 0; k < cy.index.length; k++) {
      const base = cy.index[k] * image.width * 3;
      const wy = cy.weight[k];
      for (let x = 0; x < size; x++) {
        const cx = xs[x];
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = 0; j < cx.index.length; j++) {
          const p = base + cx.index[j] * 3;
          const w = cx.weight[j];
          r += src[p] * w;
          g += src[p + 1] * w;
          b += src[p + 2] * w;
        }
        row[x * 3] += r * wy;
        row[x * 3 + 1] += g * wy;
        row[x * 3 + 2] += b * wy;
      }
    }
    for (let x = 0; x < size; x++) {
      // Rounded to bytes like cv2.resize on uint8, then scaled to [0, 1].
      tensor[y * size + x] = Math.round(row[x * 3]) / 255;
      tensor[plane + y * size + x] = Math.round(row[x * 3 + 1]) / 255;
      tensor[2 * plane + y * size + x] = Math.round(row[x * 3 + 2]) / 255;
    }
  }
  return tensor;
}
