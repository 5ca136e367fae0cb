/** An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, ...). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Point {
  x: number;
  y: number;
}

/** A 2x3 affine matrix [a, b, tx, c, d, ty]: x' = a*x + b*y + tx, y' = c*x + d*y + ty. */
export type Affine = [number, number, number, number, number, number];
