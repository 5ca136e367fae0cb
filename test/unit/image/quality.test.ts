import { describe, expect, it } from 'vitest';
import { laplacianVariance } from '../../../src/core/image';
import { greyRgb } from './helpers';

describe('laplacianVariance (cv2.Laplacian(grey, CV_64F).var())', () => {
  it('is zero on a flat image', () => {
    expect(
      laplacianVariance(
        greyRgb([
          [7, 7, 7],
          [7, 7, 7],
        ]),
      ),
    ).toBe(0);
  });

  it('matches a hand computation with reflected borders', () => {
    // A single 10 in the centre of a 3x3: Laplacian -40 at the centre, 20 at the four edge
    // middles (the reflected border counts the centre twice), 0 at the corners.
    // mean = 40/9, E[v^2] = 3200/9, variance = 3200/9 - (40/9)^2 = 27200/81.
    const image = greyRgb([
      [0, 0, 0],
      [0, 10, 0],
      [0, 0, 0],
    ]);
    expect(laplacianVariance(image)).toBeCloseTo(27200 / 81, 9);
  });

  it('scores a sharp edge above a soft one', () => {
    const sharp = greyRgb([
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
    const soft = greyRgb([
      [0, 85, 170, 255],
      [0, 85, 170, 255],
    ]);
    expect(laplacianVariance(sharp)).toBeGreaterThan(laplacianVariance(soft));
  });
});
