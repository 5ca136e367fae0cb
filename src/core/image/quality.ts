import type { GreyImage, RgbImage } from './types';
import { toGrey } from './pixels';

/**
 * Sharpness: the variance of the 3x3 Laplacian of the grey image, as
 * cv2.Laplacian(grey, CV_64F).var() computes it (kernel [0 1 0; 1 -4 1; 0 1 0], borders reflected
 * without repeating the edge pixel). Blurry faces score low; the scale depends on image size.
 */
export function laplacianVariance(image: RgbImage | GreyImage): number {
  const grey = image.data.length === image.width * image.height * 3 ? toGrey(image) : image;
  const { width, height, data } = grey;
  // BORDER_REFLECT_101: index -1 reads 1 and index n reads n - 2 (n = 1 reads 0).
  const reflect = (i: number, n: number): number => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  let sum = 0;
  let sumSquares = 0;
  for (let y = 0; y < height; y++) {
    const up = reflect(y - 1, height) * width;
    const down = reflect(y + 1, height) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const left = reflect(x - 1, width);
      const right = reflect(x + 1, width);
      const v = data[up + x] + data[down + x] + data[row + left] + data[row + right] - 4 * data[row + x];
      sum += v;
      sumSquares += v * v;
    }
  }
  const n = width * height;
  const mean = sum / n;
  return sumSquares / n - mean * mean;
}
