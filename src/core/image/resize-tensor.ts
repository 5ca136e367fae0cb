import { linearTaps } from './resize';
import type { RgbImage, TensorSpec } from './types';

/**
 * A bilinear resize written straight into normalised NCHW planes, separably: each source row
 * the output needs is resized horizontally once into a float row per plane (already normalised),
 * then every output row is a blend of two such rows. Enlarging shares source rows between
 * neighbouring output rows, and no intermediate 8-bit image is built; values differ from
 * rounding that image by under half a grey level.
 */
export function resizeIntoPlanes(
  image: RgbImage,
  resizedWidth: number,
  resizedHeight: number,
  spec: TensorSpec,
  out: Float32Array,
  planeWidth: number,
  planeSize: number,
): void {
  const xs = linearTaps(image.width, resizedWidth);
  const ys = linearTaps(image.height, resizedHeight);
  // Output plane of the source's R, G and B channels, and (x - mean) / std as x * k + c per plane.
  const planeOf = spec.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const k = planeOf.map((p) => 1 / spec.std[p]);
  const c = planeOf.map((p) => -spec.mean[p] / spec.std[p]);
  // Two slots of three rows (R, G, B); slotRow says which source row each slot holds.
  const slots = [0, 1].map(() => [0, 1, 2].map(() => new Float32Array(resizedWidth)));
  const slotRow = [-1, -1];
  const rowsOf = (row: number, keep: number): Float32Array[] => {
    if (slotRow[0] === row) return slots[0];
    if (slotRow[1] === row) return slots[1];
    const slot = slotRow[0] === keep ? 1 : 0;
    const [r, g, b] = slots[slot];
    resizeRowPlanes(image.data, row * image.width * 3, xs.i0, xs.i1, xs.w1, r, g, b, k, c);
    slotRow[slot] = row;
    return slots[slot];
  };
  for (let y = 0; y < resizedHeight; y++) {
    const top = rowsOf(ys.i0[y], -1);
    const bottom = rowsOf(ys.i1[y], ys.i0[y]);
    const wy = ys.w1[y];
    for (let channel = 0; channel < 3; channel++) {
      const offset = planeOf[channel] * planeSize + y * planeWidth;
      if (wy === 0) out.set(top[channel], offset);
      else blendRows(top[channel], bottom[channel], wy, out, offset, resizedWidth);
    }
  }
}

function resizeRowPlanes(
  src: Uint8Array,
  base: number,
  i0: Int32Array,
  i1: Int32Array,
  w1: Float32Array,
  r: Float32Array,
  g: Float32Array,
  b: Float32Array,
  k: number[],
  c: number[],
): void {
  const kR = k[0];
  const kG = k[1];
  const kB = k[2];
  const cR = c[0];
  const cG = c[1];
  const cB = c[2];
  const width = r.length;
  for (let x = 0; x < width; x++) {
    const p = base + i0[x] * 3;
    const q = base + i1[x] * 3;
    const w = w1[x];
    r[x] = (src[p] + (src[q] - src[p]) * w) * kR + cR;
    g[x] = (src[p + 1] + (src[q + 1] - src[p + 1]) * w) * kG + cG;
    b[x] = (src[p + 2] + (src[q + 2] - src[p + 2]) * w) * kB + cB;
  }
}

function blendRows(
  top: Float32Array,
  bottom: Float32Array,
  weight: number,
  out: Float32Array,
  offset: number,
  width: number,
): void {
  for (let x = 0; x < width; x++) out[offset + x] = top[x] + (bottom[x] - top[x]) * weight;
}
