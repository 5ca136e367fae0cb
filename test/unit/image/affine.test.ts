import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  composeAffine,
  estimateSimilarity,
  invertAffine,
  type Affine,
  type Point,
} from '../../../src/core/image';

function expectMatrix(actual: Affine, expected: number[], digits = 10): void {
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

describe('estimateSimilarity (Umeyama, like skimage SimilarityTransform.estimate)', () => {
  it('recovers an exact similarity: scale 2, rotation 30 degrees, shift (5, -3)', () => {
    const angle = Math.PI / 6;
    const a = 2 * Math.cos(angle);
    const b = 2 * Math.sin(angle);
    const truth: Affine = [a, -b, 5, b, a, -3];
    const src: Point[] = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 3, y: 7 },
      { x: -4, y: 2 },
    ];
    expectMatrix(
      estimateSimilarity(
        src,
        src.map((p) => applyAffine(truth, p)),
      ),
      truth,
    );
  });

  it('gives the least-squares fit when no similarity is exact (worked by hand)', () => {
    // Centred: sum(s.d) = 2, sum(s x d) = 1/3, sum|s|^2 = 4/3 -> a = 1.5, b = 0.25,
    // t = mean(dst) - [[a,-b],[b,a]] mean(src) = (0.25, -0.25). numpy Umeyama agrees.
    const m = estimateSimilarity(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: 1 },
      ],
      [
        { x: 0, y: 0 },
        { x: 2, y: 0 },
        { x: 0, y: 1 },
      ],
    );
    expectMatrix(m, [1.5, -0.25, 0.25, 0.25, 1.5, -0.25]);
  });

  it('never reflects: a mirrored target gives the best proper rotation (as Umeyama with d = [1, -1])', () => {
    const m = estimateSimilarity(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: 1 },
      ],
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: -1 },
      ],
    );
    expectMatrix(m, [0, -0.5, 0.5, 0.5, 0, -0.5]);
    expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThan(0);
  });

  it('matches numpy Umeyama on face landmarks fitted to the ArcFace template', () => {
    const landmarks = [
      { x: 210.3, y: 180.2 },
      { x: 290.1, y: 176.4 },
      { x: 252.7, y: 230.0 },
      { x: 220.5, y: 270.8 },
      { x: 285.9, y: 268.1 },
    ];
    const template = [
      { x: 38.2946, y: 51.6963 },
      { x: 73.5318, y: 51.5014 },
      { x: 56.0252, y: 71.7366 },
      { x: 41.5493, y: 92.3655 },
      { x: 70.7299, y: 92.2041 },
    ];
    expectMatrix(
      estimateSimilarity(landmarks, template),
      [0.443585186, -0.0142200759, -52.5120093, 0.0142200759, 0.443585186, -31.5322825],
      7,
    );
  });

  it('refuses coincident points and mismatched lists', () => {
    const p = { x: 1, y: 1 };
    expect(() => estimateSimilarity([p, p], [p, { x: 2, y: 2 }])).toThrow(/coincide/);
    expect(() => estimateSimilarity([p], [p])).toThrow(/at least 2 points/);
    expect(() => estimateSimilarity([p, p, p], [p, p])).toThrow(/same length/);
  });
});

describe('invertAffine, applyAffine, composeAffine', () => {
  it('inverts a scale and shift worked by hand', () => {
    expectMatrix(invertAffine([2, 0, 4, 0, 2, 6]), [0.5, 0, -2, 0, 0.5, -3]);
  });

  it('round-trips a point through a rotation and its inverse', () => {
    const m: Affine = [0.6, -0.8, 3, 0.8, 0.6, -7];
    const p = applyAffine(m, { x: 11, y: -4 });
    expect(p.x).toBeCloseTo(0.6 * 11 + 0.8 * 4 + 3, 12);
    expect(p.y).toBeCloseTo(0.8 * 11 - 0.6 * 4 - 7, 12);
    const back = applyAffine(invertAffine(m), p);
    expect(back.x).toBeCloseTo(11, 12);
    expect(back.y).toBeCloseTo(-4, 12);
    expectMatrix(composeAffine(invertAffine(m), m), [1, 0, 0, 0, 1, 0]);
  });

  it('refuses a singular matrix', () => {
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(/not invertible/);
  });
});
