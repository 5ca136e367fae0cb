/** An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, ...). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An 8-bit single-channel (grey) image, row by row. */
export interface GreyImage {
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

/**
 * How a model wants its input tensor: NCHW planes in channelOrder, (pixel - mean[c]) / std[c].
 * 'grey' is one plane of luma (mean[0], std[0] apply), for single-channel models.
 */
export interface TensorSpec {
  channelOrder: 'rgb' | 'bgr' | 'grey';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}
