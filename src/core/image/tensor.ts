import { FaceGateError } from '../errors';
import { letterboxGeometry, linearTaps, resizeRow } from './resize';
import { resizeIntoPlanes } from './resize-tensor';
import type { Affine, RgbImage, TensorSpec } from './types';
import { warpInverse, warpRow } from './warp';

/** Per output plane: a 256-entry table of normalised values, and which RGB channel feeds it. */
interface PlaneTables {
  luts: Float32Array[];
  /** Source channel per plane (0 R, 1 G, 2 B), or -1 for luma. */
  sources: number[];
}

const tableCache = new Map<string, PlaneTables>();

function planeTables(spec: TensorSpec): PlaneTables {
  const key = `${spec.channelOrder}|${spec.mean.join(',')}|${spec.std.join(',')}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  if (!spec.std.every((s) => Number.isFinite(s) && s !== 0) || !spec.mean.every(Number.isFinite)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Tensor spec needs finite mean and non-zero std, got mean [${spec.mean.join(', ')}] std [${spec.std.join(', ')}].`,
    );
  }
  const sources = spec.channelOrder === 'rgb' ? [0, 1, 2] : spec.channelOrder === 'bgr' ? [2, 1, 0] : [-1];
  const luts = sources.map((_, plane) => {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v - spec.mean[plane]) / spec.std[plane];
    return lut;
  });
  const tables = { luts, sources };
  if (tableCache.size > 64) tableCache.clear();
  tableCache.set(key, tables);
  return tables;
}

/** Number of planes a spec produces: 3, or 1 for 'grey'. */
export function tensorChannels(spec: TensorSpec): number {
  return spec.channelOrder === 'grey' ? 1 : 3;
}

function outputBuffer(length: number, out: Float32Array | undefined, what: string): Float32Array {
  if (!out) return new Float32Array(length);
  if (out.length < length) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${what}: the output buffer holds ${out.length} floats, ${length} needed.`,
    );
  }
  return out;
}

/**
 * Writes count interleaved RGB pixels of row (from rowOffset) into every plane of out at
 * dstOffset within the plane.
 */
function writePixels(
  row: Uint8Array,
  rowOffset: number,
  count: number,
  out: Float32Array,
  planeSize: number,
  dstOffset: number,
  tables: PlaneTables,
): void {
  const { luts, sources } = tables;
  if (sources[0] === -1) {
    const lut = luts[0];
    for (let x = 0, s = rowOffset; x < count; x++, s += 3) {
      out[dstOffset + x] = lut[(row[s] * 4899 + row[s + 1] * 9617 + row[s + 2] * 1868 + 8192) >> 14];
    }
    return;
  }
  const lut0 = luts[0];
  const lut1 = luts[1];
  const lut2 = luts[2];
  const end = dstOffset + count;
  // Two loops with constant channel offsets: a variable offset costs about a third more per pixel.
  if (sources[0] === 0) {
    for (let o = dstOffset, s = rowOffset; o < end; o++, s += 3) {
      out[o] = lut0[row[s]];
      out[o + planeSize] = lut1[row[s + 1]];
      out[o + 2 * planeSize] = lut2[row[s + 2]];
    }
  } else {
    for (let o = dstOffset, s = rowOffset; o < end; o++, s += 3) {
      out[o] = lut0[row[s + 2]];
      out[o + planeSize] = lut1[row[s + 1]];
      out[o + 2 * planeSize] = lut2[row[s]];
    }
  }
}

/** Fills plane positions [dstOffset, dstOffset + count) with each plane's value for a black pixel. */
function writeBlack(
  out: Float32Array,
  planeSize: number,
  dstOffset: number,
  count: number,
  tables: PlaneTables,
): void {
  tables.luts.forEach((lut, plane) => {
    const start = plane * planeSize + dstOffset;
    out.fill(lut[0], start, start + count);
  });
}

/**
 * The image as an NCHW float32 tensor (batch 1): (pixel - mean[c]) / std[c], planes in the spec's
 * channel order. Writes into out when given (it must hold channels * width * height floats).
 */
export function toTensor(image: RgbImage, spec: TensorSpec, out?: Float32Array): Float32Array {
  const tables = planeTables(spec);
  const planeSize = image.width * image.height;
  const data = outputBuffer(tables.luts.length * planeSize, out, 'toTensor');
  writePixels(image.data, 0, planeSize, data, planeSize, 0, tables);
  return data;
}

/**
 * letterbox() and toTensor() in one pass, without building the letterboxed image: the detector's
 * hot path. scale is InsightFace's det_scale (divide detections by it).
 */
export function letterboxToTensor(
  image: RgbImage,
  width: number,
  height: number,
  spec: TensorSpec,
  out?: Float32Array,
): { data: Float32Array; scale: number } {
  const tables = planeTables(spec);
  const { resizedWidth, resizedHeight, scale } = letterboxGeometry(image.width, image.height, width, height);
  const planeSize = width * height;
  const data = outputBuffer(tables.luts.length * planeSize, out, 'letterboxToTensor');
  const sameSize = resizedWidth === image.width && resizedHeight === image.height;
  if (sameSize && resizedWidth === width) {
    // Rows are contiguous in both the image and the planes (a 640x480 frame into 640x640): one run.
    writePixels(image.data, 0, resizedWidth * resizedHeight, data, planeSize, 0, tables);
  } else if (sameSize || tables.luts.length !== 3) {
    const xs = sameSize ? undefined : linearTaps(image.width, resizedWidth);
    const ys = sameSize ? undefined : linearTaps(image.height, resizedHeight);
    const row = sameSize ? image.data : new Uint8Array(resizedWidth * 3);
    for (let y = 0; y < resizedHeight; y++) {
      let rowOffset = y * image.width * 3;
      if (xs && ys) {
        resizeRow(image, xs, ys.i0[y], ys.i1[y], ys.w1[y], row, 0);
        rowOffset = 0;
      }
      writePixels(row, rowOffset, resizedWidth, data, planeSize, y * width, tables);
    }
  } else {
    resizeIntoPlanes(image, resizedWidth, resizedHeight, spec, data, width, planeSize);
  }
  if (resizedWidth < width) {
    for (let y = 0; y < resizedHeight; y++) {
      writeBlack(data, planeSize, y * width + resizedWidth, width - resizedWidth, tables);
    }
  }
  if (resizedHeight < height) {
    writeBlack(data, planeSize, resizedHeight * width, (height - resizedHeight) * width, tables);
  }
  return { data, scale };
}

/** resizeBilinear() and toTensor() in one pass (no aspect ratio kept). */
export function resizeToTensor(
  image: RgbImage,
  width: number,
  height: number,
  spec: TensorSpec,
  out?: Float32Array,
): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `resizeToTensor: size must be positive integers, got ${width}x${height}.`,
    );
  }
  const tables = planeTables(spec);
  const planeSize = width * height;
  const data = outputBuffer(tables.luts.length * planeSize, out, 'resizeToTensor');
  if (width === image.width && height === image.height) return toTensor(image, spec, data);
  const xs = linearTaps(image.width, width);
  const ys = linearTaps(image.height, height);
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    resizeRow(image, xs, ys.i0[y], ys.i1[y], ys.w1[y], row, 0);
    writePixels(row, 0, width, data, planeSize, y * width, tables);
  }
  return data;
}

/** warpAffine() and toTensor() in one pass: an aligned face crop straight into the embedder's input. */
export function warpAffineToTensor(
  image: RgbImage,
  m: Affine,
  width: number,
  height: number,
  spec: TensorSpec,
  out?: Float32Array,
): Float32Array {
  const inverse = warpInverse(m, width, height);
  const tables = planeTables(spec);
  const planeSize = width * height;
  const data = outputBuffer(tables.luts.length * planeSize, out, 'warpAffineToTensor');
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    warpRow(image, inverse, y, width, row, 0);
    writePixels(row, 0, width, data, planeSize, y * width, tables);
  }
  return data;
}
