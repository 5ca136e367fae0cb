import { describe, expect, it } from 'vitest';
import {
  calibrateScores,
  quantileShareBelow,
  type CalibrationSample,
} from '../../../src/core/gallery/calibration';
import { decisionThreshold, galleryThreshold } from '../../../src/core/gallery/gallery-threshold';
import { randomUnitVector, seededRandom } from './random-embeddings';

const pack = { threshold: 0.3, impostor: { mean: 0, sd: 0.09 } };

describe('the gallery-size-aware 1:N threshold', () => {
  it('grows with the templates a stranger meets, never below the 1:1 threshold', () => {
    expect(galleryThreshold(pack, 1)).toBe(0.3); // 1 % per pair: 0.209, the floor wins
    const small = galleryThreshold(pack, 30);
    const large = galleryThreshold(pack, 3000);
    expect(small).toBeGreaterThanOrEqual(0.3);
    expect(large).toBeGreaterThan(small);
    // 1 % of strangers over 3,000 templates: a per-pair rate of 3.3e-6, 4.5 sd above the mean.
    expect(large).toBeCloseTo(0.09 * 4.502, 2);
    // Without a measured impostor distribution the pack threshold stays, and a setting always wins.
    expect(galleryThreshold({ threshold: 0.4 }, 3000)).toBe(0.4);
    expect(decisionThreshold(0.5, pack, 3000)).toBe(0.5);
    expect(decisionThreshold(null, pack, 3000)).toBe(large);
  });
});

describe('calibrate shows both rates and warns when its suggestion refuses staff', () => {
  // One template per person (a folder of one photo each): no same-person pairs in the gallery.
  const random = seededRandom(3);
  const samples: CalibrationSample[] = Array.from({ length: 200 }, (_, i) => ({
    personId: i + 1,
    vector: randomUnitVector(128, random),
  }));
  // The pack's genuine scores on the dev pairs: 5 % below 0.45, half below 0.7.
  const genuineQuantiles = [
    0.1, 0.45, 0.55, 0.6, 0.62, 0.64, 0.66, 0.68, 0.69, 0.7, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8, 0.82, 0.84,
    0.86, 0.88, 0.95,
  ];

  it('reads a share below a value off quantiles', () => {
    expect(quantileShareBelow(genuineQuantiles, 0.45)).toBeCloseTo(0.05, 6);
    expect(quantileShareBelow(genuineQuantiles, 0)).toBe(0);
    expect(quantileShareBelow(genuineQuantiles, 1)).toBe(1);
  });

  it('gives strangers accepted and staff refused at the suggestion and the current setting', () => {
    const report = calibrateScores(samples, {
      targetFar: 0.001,
      packThreshold: 0.6,
      currentThreshold: 0.4,
      genuineQuantiles,
    });
    expect(report.atSuggestion.threshold).toBe(report.suggestedThreshold);
    expect(report.atSuggestion.staffRefusedFrom).toBe('pack');
    expect(report.atSuggestion.staffRefused!).toBeGreaterThan(0.03);
    expect(report.atCurrent!.threshold).toBe(0.4);
    expect(report.atCurrent!.staffRefused!).toBeLessThan(0.05);
    expect(report.atCurrent!.strangersAccepted).toBeGreaterThan(report.atSuggestion.strangersAccepted);
    expect(report.warning).toMatch(/WARNING: at 0\.600 about \d+ % of genuine matches would be refused/);
  });

  it('stays quiet when the suggestion refuses only a few genuine matches', () => {
    const report = calibrateScores(samples, { targetFar: 0.5, packThreshold: 0.3, genuineQuantiles });
    expect(report.atSuggestion.staffRefused!).toBeLessThanOrEqual(0.03);
    expect(report.warning).toBeNull();
  });
});
