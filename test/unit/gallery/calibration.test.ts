import { describe, expect, it } from 'vitest';
import {
  calibrateScores,
  normalQuantile,
  type CalibrationSample,
} from '../../../src/core/gallery/calibration';
import { nearby, randomUnitVector, seededRandom } from './random-embeddings';

function gallery(people: number, perPerson: number, dim: number, seed: number): CalibrationSample[] {
  const random = seededRandom(seed);
  const samples: CalibrationSample[] = [];
  for (let p = 1; p <= people; p++) {
    const centre = randomUnitVector(dim, random);
    for (let t = 0; t < perPerson; t++) samples.push({ personId: p, vector: nearby(centre, 0.8, random) });
  }
  return samples;
}

describe('calibrateScores', () => {
  it('says a small gallery is too small to tell, extrapolates, and never goes below the pack threshold', () => {
    const samples = gallery(13, 3, 128, 1);
    const strict = calibrateScores(samples, { targetFar: 0.001, packThreshold: 0.6 });
    expect(strict.tooSmall).toBe(true);
    expect(strict.genuine?.count).toBe(13 * 3);
    expect(strict.impostor?.count).toBe((39 * 38) / 2 - 39);
    expect(strict.note).toMatch(/Too small to tell/);
    // Random 128-d impostors sit near 0 (sd ~0.09): the extrapolation is below 0.6, the floor wins.
    expect(strict.tailThreshold!).toBeLessThan(0.6);
    expect(strict).toMatchObject({ source: 'pack', suggestedThreshold: 0.6 });
    const lenient = calibrateScores(samples, { targetFar: 0.001, packThreshold: 0.1 });
    expect(lenient.source).toBe('extrapolated');
    expect(lenient.suggestedThreshold).toBe(lenient.tailThreshold);
    expect(lenient.suggestedThreshold).toBeGreaterThan(lenient.impostor!.max);
    // The exponential tail errs on the strict side of a Gaussian fit for these (Gaussian) scores.
    expect(lenient.tailThreshold!).toBeGreaterThan(lenient.gaussianThreshold!);
  });

  it('keeps the pack threshold when there are too few people to fit anything', () => {
    const report = calibrateScores(gallery(3, 4, 64, 4), { packThreshold: 0.3 });
    expect(report).toMatchObject({
      tooSmall: true,
      gaussianThreshold: null,
      source: 'pack',
      suggestedThreshold: 0.3,
    });
  });

  it('finds the impostor-tail threshold for the 1:N target when there are enough pairs', () => {
    // 300 people x 2 = 600 templates: 179,400 impostor pairs resolve a 1:1 rate of 1e-4.
    const report = calibrateScores(gallery(300, 2, 64, 2), { targetFar: 0.06, packThreshold: 0.1 });
    expect(report.comparisons).toBe(600);
    expect(report.pairFar).toBeCloseTo(1e-4, 10);
    expect(report.tooSmall).toBe(false);
    expect(report.source).toBe('gallery');
    expect(report.suggestedThreshold).toBe(report.empiricalThreshold);
    // At most pairFar of impostor pairs reach the suggested threshold, and it is above most of them.
    expect(report.impostorAcceptRate!).toBeLessThanOrEqual(report.pairFar);
    expect(report.suggestedThreshold).toBeGreaterThan(report.impostor!.p99);
    expect(report.genuineAcceptRate!).toBeGreaterThan(0.99);
    expect(report.genuineIdentificationRate!).toBeGreaterThanOrEqual(report.genuineAcceptRate!);
    // 1:N grows with N: the same 1:N target on a gallery twice as big needs a stricter threshold.
    const bigger = calibrateScores(gallery(600, 2, 64, 2), { targetFar: 0.06, packThreshold: 0.1 });
    expect(bigger.pairFar).toBeLessThan(report.pairFar);
  });

  it('samples impostor pairs beyond the cap, repeatably', () => {
    const samples = gallery(100, 2, 32, 3);
    const a = calibrateScores(samples, { packThreshold: 0.5, maxImpostorPairs: 5000, seed: 9 });
    const b = calibrateScores(samples, { packThreshold: 0.5, maxImpostorPairs: 5000, seed: 9 });
    expect(a.impostorSampled).toBe(true);
    expect(a.impostor?.count).toBe(5000);
    expect(a.impostor).toEqual(b.impostor);
  });

  it('refuses a meaningless target rate', () => {
    expect(() => calibrateScores([], { targetFar: 0, packThreshold: 0.5 })).toThrow(/between 0 and 1/);
  });

  it('has an accurate inverse normal CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424, 4);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});
