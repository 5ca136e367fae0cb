import type { RgbImage } from '../../../src/core/image';

/** An RGB image from rows of [r, g, b] pixels. */
export function rgbImage(rows: [number, number, number][][]): RgbImage {
  const height = rows.length;
  const width = rows[0].length;
  return { width, height, data: Uint8Array.from(rows.flat(2)) };
}

/** An RGB image whose three channels all equal the given grey rows. */
export function greyRgb(rows: number[][]): RgbImage {
  return rgbImage(rows.map((row) => row.map((v) => [v, v, v] as [number, number, number])));
}

/** The red channel as rows (for images built with greyRgb). */
export function redRows(image: RgbImage): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < image.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < image.width; x++) row.push(image.data[(y * image.width + x) * 3]);
    rows.push(row);
  }
  return rows;
}

/** A deterministic pseudo-random image (xorshift), for comparing two code paths. */
export function noiseImage(width: number, height: number, seed = 1): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 0xff;
  }
  return { width, height, data };
}

/** The error fn throws (fails the test when it throws nothing). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
