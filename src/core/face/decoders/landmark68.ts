import type { Point } from '../../image/types';
import type { Box, Landmarks5 } from '../types';

/**
 * Maps the 68-point model's output (136 values, x then y, each in [0, 1] of the crop) to image
 * coordinates. `crop` is the square region of the image the model saw.
 */
export function landmarks68ToImage(output: ArrayLike<number>, crop: Box): Point[] {
  const width = crop.x2 - crop.x1;
  const height = crop.y2 - crop.y1;
  const points: Point[] = [];
  for (let k = 0; k < 68; k++) {
    points.push({ x: crop.x1 + output[2 * k] * width, y: crop.y1 + output[2 * k + 1] * height });
  }
  return points;
}

function mean(points: Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let k = from; k <= to; k++) {
    x += points[k].x;
    y += points[k].y;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
}

/**
 * The 5 ArcFace points from the 68-point (iBUG 300-W) layout: eye centres as the mean of the
 * six eye contour points (36-41 is the image-left eye), nose tip 30, mouth corners 48 and 54.
 */
export function fivePointsFrom68(points: Point[]): Landmarks5 {
  if (points.length !== 68) throw new Error(`expected 68 landmarks, got ${points.length}`);
  return [mean(points, 36, 41), mean(points, 42, 47), points[30], points[48], points[54]];
}
