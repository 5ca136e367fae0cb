/**
 * The 1:N decision threshold that knows the gallery size (docs/gallery.md, "A threshold that grows
 * with the gallery"). A stranger is compared with every template, so the chance that one of N
 * templates scores above a threshold t is about N x P(impostor >= t). Keeping the share of strangers
 * taken for someone (FPIR) at `targetFpir` needs a per-pair rate of targetFpir / N: the threshold is
 * where the pack's impostor distribution (its tail measured on the dev photos, catalog `impostor`;
 * a Gaussian fit where no tail is known) falls to that rate. It never goes below the pack's measured 1:1 threshold.
 */

import { normalQuantile } from './calibration';

/** Share of strangers the default may take for someone, whatever the gallery size. */
export const defaultTargetFpir = 0.01;

export interface ThresholdModel {
  /** The pack's 1:1 threshold: the floor. */
  threshold: number;
  /**
   * The pack's impostor distribution on the dev pairs: its measured tail ([score, rate] pairs) when
   * known, else a Gaussian (mean, sd); without it the 1:1 threshold is used as is.
   */
  impostor?: { mean: number; sd: number; tail?: readonly (readonly [number, number])[] };
}

/** The score at which the measured tail falls to `rate` (log-linear between points, the last slope beyond). */
export function tailScore(tail: readonly (readonly [number, number])[], rate: number): number {
  const log = (v: number) => Math.log(v);
  const at = (a: readonly [number, number], b: readonly [number, number]) => {
    const slope = (log(b[1]) - log(a[1])) / (b[0] - a[0]);
    return a[0] + (log(rate) - log(a[1])) / slope;
  };
  if (rate >= tail[0][1]) return tail[0][0];
  for (let i = 1; i < tail.length; i++) if (rate >= tail[i][1]) return at(tail[i - 1], tail[i]);
  return at(tail[tail.length - 2], tail[tail.length - 1]);
}

/** The default 1:N threshold for a gallery of `templates` templates. */
export function galleryThreshold(
  pack: ThresholdModel,
  templates: number,
  targetFpir: number = defaultTargetFpir,
): number {
  if (!pack.impostor) return pack.threshold;
  const pairRate = targetFpir / Math.max(1, templates);
  const fitted = pack.impostor.tail?.length
    ? tailScore(pack.impostor.tail, pairRate)
    : pack.impostor.mean + normalQuantile(1 - pairRate) * pack.impostor.sd;
  return Math.max(pack.threshold, Math.round(fitted * 1000) / 1000);
}

/** The threshold the desk decides with: the admin's setting when there is one, else the gallery-size-aware default. */
export function decisionThreshold(setting: number | null, pack: ThresholdModel, templates: number): number {
  return setting ?? galleryThreshold(pack, templates);
}
