import { FaceGateError } from '../errors';
import type { CalibrationResult } from '../../shared/people';
import { seededRandom } from '../random';

export interface CalibrationSample {
  personId: number;
  /** Unit-length embedding. */
  vector: Float32Array;
}

export interface CalibrationOptions {
  /**
   * Target false-accept rate per identification of a stranger against the whole gallery
   * (1:N): 0.001 means one stranger in a thousand is taken for someone.
   */
  targetFar?: number;
  /** The pack's measured 1:1 threshold: the floor of every suggestion and the fallback. */
  packThreshold: number;
  /** Impostor pairs beyond this are sampled (seeded, so runs repeat). */
  maxImpostorPairs?: number;
  seed?: number;
  /** The threshold in use now, so both rates can be shown for it beside the suggestion. */
  currentThreshold?: number;
  /**
   * The pack's same-person (genuine) score quantiles on the dev pairs (catalog `genuine`, 0 to 100 %
   * in equal steps): estimates how many genuine matches a threshold refuses when the gallery has too
   * few people with several templates to measure it.
   */
  genuineQuantiles?: readonly number[];
  /** The pack's impostor distribution on the dev pairs (catalog `impostor`), for a gallery too small to fit its own. */
  impostorModel?: { mean: number; sd: number };
}

/** Both error rates at one threshold, as an admin reads them. */
export interface OperatingPoint {
  threshold: number;
  /** Share of strangers taken for someone (1:N, against every template). */
  strangersAccepted: number;
  /** Share of enrolled people's genuine attempts refused at this threshold. */
  staffRefused: number | null;
  /** Where staffRefused comes from: this gallery's same-person pairs, or the pack's dev measurement. */
  staffRefusedFrom: 'gallery' | 'pack' | null;
}

/** A suggestion that refuses more genuine matches than this is flagged loudly. */
export const maxQuietRefusalRate = 0.03;

export interface ScoreSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Score below which 5% (genuine) or above which 1% (impostor) of pairs fall. */
  p05: number;
  p99: number;
}

export interface CalibrationReport {
  people: number;
  templates: number;
  genuine: ScoreSummary | null;
  impostor: ScoreSummary | null;
  impostorPairsTotal: number;
  impostorSampled: boolean;
  targetFar: number;
  /** Chances per stranger to hit a wrong template: every template is one. */
  comparisons: number;
  /** The 1:1 false-accept rate the threshold must reach: targetFar / comparisons. */
  pairFar: number;
  /** Impostor pairs needed to resolve pairFar (10 / pairFar). */
  pairsNeeded: number;
  /** The impostor-tail threshold at pairFar, when resolvable. */
  empiricalThreshold: number | null;
  /**
   * The impostor tail extrapolated to pairFar: an exponential fitted to the top tenth of the
   * impostor scores (peaks over threshold), and never below the highest impostor score seen.
   */
  tailThreshold: number | null;
  /** A Gaussian fit of all impostor scores at pairFar, for comparison (lighter-tailed, less safe). */
  gaussianThreshold: number | null;
  suggestedThreshold: number;
  /**
   * gallery: measured on the impostor tail; extrapolated: the tail extrapolated from the top
   * impostor scores (too few pairs to measure it); pack: the pack's threshold (no estimate, or
   * the estimate was below it: the suggestion never goes under the pack's 1:1 threshold).
   */
  source: 'gallery' | 'extrapolated' | 'pack';
  tooSmall: boolean;
  /** Why the gallery cannot tell, in a sentence. */
  note: string;
  /** Share of genuine pairs at or above the suggested threshold (null without genuine pairs). */
  genuineAcceptRate: number | null;
  /**
   * Share of templates (of people with several) whose best other template of the same person
   * reaches the suggested threshold: how often an enrolled person is recognised, person score
   * being the best of their templates. Null without such people.
   */
  genuineIdentificationRate: number | null;
  /** Share of impostor pairs at or above the suggested threshold. */
  impostorAcceptRate: number | null;
  atSuggestion: OperatingPoint;
  atCurrent: OperatingPoint | null;
  /** Set when the suggestion refuses more than maxQuietRefusalRate of genuine matches (its own estimate). */
  warning: string | null;
}

/** Each impostor pair only resolves a false-accept rate down to about 10 / pairs. */
const pairsPerFalseAccept = 10;
/** Below these the impostor scores are too few (or too few people) to fit a distribution. */
const minPairsToFit = 100;
const minPeopleToFit = 5;

/**
 * Suggests a 1:N threshold from the gallery itself. Genuine scores are pairs of templates of the
 * same person, impostor scores pairs of different people. A stranger's probe meets every
 * template, so the per-pair rate that keeps 1:N false accepts at targetFar is about
 * targetFar / templates; the threshold is where the impostor tail falls to that rate. When there
 * are too few impostor pairs to see such a rare tail, it says so and extrapolates the tail instead:
 * an exponential fitted to the excesses of the top tenth of the impostor scores over the tenth's
 * lower edge (peaks over threshold, the usual extreme-value estimate). Cosine scores are bounded,
 * so their true tail is lighter than exponential and the estimate errs on the strict side, where
 * a Gaussian fit of the bulk would not see lookalikes. The pack's 1:1 threshold is the floor:
 * 1:N needs at least the strictness of 1:1.
 */
export function calibrateScores(
  samples: readonly CalibrationSample[],
  options: CalibrationOptions,
): CalibrationReport {
  const targetFar = options.targetFar ?? 0.001;
  if (!(targetFar > 0 && targetFar < 1)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `The target false-accept rate must be between 0 and 1, got ${targetFar}.`,
    );
  }
  const maxImpostorPairs = options.maxImpostorPairs ?? 5_000_000;
  const people = new Set(samples.map((s) => s.personId)).size;
  const templates = samples.length;
  const { genuine, bestSamePerson, impostor, impostorPairsTotal, sampled } = pairScores(
    samples,
    maxImpostorPairs,
    options.seed ?? 1,
  );

  const comparisons = Math.max(1, templates);
  const pairFar = targetFar / comparisons;
  const pairsNeeded = Math.ceil(pairsPerFalseAccept / pairFar);
  const impostorSummary = summarise(impostor);
  const genuineSummary = summarise(genuine);

  const resolvable = impostor.length >= pairsNeeded;
  const empiricalThreshold = resolvable ? tailThreshold(impostor, pairFar) : null;
  const fittable =
    impostorSummary !== null && impostorSummary.count >= minPairsToFit && people >= minPeopleToFit;
  const gaussianThreshold = fittable
    ? impostorSummary.mean + normalQuantile(1 - pairFar) * impostorSummary.std
    : null;
  const extrapolated = fittable ? exponentialTailThreshold(impostor, pairFar) : null;

  // Measured when the tail is resolvable, else extrapolated; never below the pack's 1:1 threshold.
  const candidate = empiricalThreshold ?? extrapolated;
  const source: CalibrationReport['source'] =
    candidate === null || candidate < options.packThreshold
      ? 'pack'
      : empiricalThreshold !== null
        ? 'gallery'
        : 'extrapolated';
  const suggestedThreshold = source === 'pack' ? options.packThreshold : candidate!;
  const rate = pairFar.toExponential(1);
  const why = resolvable
    ? `Measured on ${impostor.length.toLocaleString('en')} impostor pairs at a 1:1 false-accept rate of ${rate}.`
    : `Too small to tell: a ${formatRate(targetFar)} false-accept rate across ${comparisons} templates needs ` +
      `a 1:1 rate of ${rate}, which takes about ${pairsNeeded.toLocaleString('en')} impostor pairs to measure; ` +
      `the gallery has ${impostor.length.toLocaleString('en')}.`;
  const outcome = {
    gallery: 'Suggesting the measured threshold.',
    extrapolated:
      "Suggesting the impostor tail extrapolated to that rate from the gallery's highest impostor scores (an estimate, not a measurement).",
    pack:
      candidate === null
        ? "Keeping the pack's threshold."
        : `Keeping the pack's threshold: the gallery's ${empiricalThreshold !== null ? 'measurement' : 'extrapolation'} (${candidate.toFixed(3)}) is below it, and the suggestion never goes under the pack's 1:1 threshold.`,
  }[source];
  const note = `${why} ${outcome}`;

  // Both rates at a threshold: strangers from the impostor tail (this gallery's, or the pack's
  // fit when the gallery is too small), staff from same-person pairs (this gallery's when enough
  // people have several templates, else the pack's dev measurement).
  const sortedImpostor = Float32Array.from(impostor).sort();
  const pairRateAt = (threshold: number): number => {
    if (fittable && sortedImpostor.length) {
      const above = sortedImpostor.length - lowerBound(sortedImpostor, threshold);
      if (above >= pairsPerFalseAccept) return above / sortedImpostor.length;
      return exponentialTailRate(sortedImpostor, threshold);
    }
    const model = options.impostorModel;
    if (!model) return Number.NaN;
    return 1 - normalCdf((threshold - model.mean) / model.sd);
  };
  const enoughSamePerson = bestSamePerson.length >= minPeopleToFit * 4;
  const pointAt = (threshold: number): OperatingPoint => {
    const staff = enoughSamePerson
      ? 1 - shareAtOrAbove(bestSamePerson, threshold)
      : options.genuineQuantiles?.length
        ? quantileShareBelow(options.genuineQuantiles, threshold)
        : null;
    return {
      threshold,
      strangersAccepted: Math.min(1, comparisons * pairRateAt(threshold)),
      staffRefused: staff,
      staffRefusedFrom: staff === null ? null : enoughSamePerson ? 'gallery' : 'pack',
    };
  };
  const atSuggestion = pointAt(suggestedThreshold);
  const atCurrent = options.currentThreshold === undefined ? null : pointAt(options.currentThreshold);
  const warning =
    atSuggestion.staffRefused !== null && atSuggestion.staffRefused > maxQuietRefusalRate
      ? `WARNING: at ${suggestedThreshold.toFixed(3)} about ${(atSuggestion.staffRefused * 100).toFixed(0)} % of genuine ` +
        `matches would be refused (about 1 employee in ${Math.max(1, Math.round(1 / atSuggestion.staffRefused))} asked to try again), ` +
        `by ${atSuggestion.staffRefusedFrom === 'gallery' ? "this gallery's own same-person photos" : "the pack's measurement on the development photos"}. ` +
        'Do not adopt it without checking; a lower threshold with a larger margin, or better enrolment photos, may serve better.'
      : null;

  return {
    people,
    templates,
    genuine: genuineSummary,
    impostor: impostorSummary,
    impostorPairsTotal,
    impostorSampled: sampled,
    targetFar,
    comparisons,
    pairFar,
    pairsNeeded,
    empiricalThreshold,
    tailThreshold: extrapolated,
    gaussianThreshold,
    suggestedThreshold,
    source,
    tooSmall: !resolvable,
    note,
    genuineAcceptRate: genuine.length ? shareAtOrAbove(genuine, suggestedThreshold) : null,
    genuineIdentificationRate: bestSamePerson.length
      ? shareAtOrAbove(bestSamePerson, suggestedThreshold)
      : null,
    impostorAcceptRate: impostor.length ? shareAtOrAbove(impostor, suggestedThreshold) : null,
    atSuggestion,
    atCurrent,
    warning,
  };
}

/** Index of the first score >= value in ascending scores. */
function lowerBound(sorted: Float32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** P(S >= t) from the exponential tail fitted as in exponentialTailThreshold. */
function exponentialTailRate(sorted: Float32Array, threshold: number): number {
  const n = sorted.length;
  const m = Math.max(1, Math.ceil(tailShare * n));
  const edge = sorted[n - m - 1] ?? sorted[0];
  let excess = 0;
  for (let i = n - m; i < n; i++) excess += sorted[i] - edge;
  const scale = excess / m || 1e-6;
  if (threshold <= edge) return (n - lowerBound(sorted, threshold)) / n;
  return (m / n) * Math.exp(-(threshold - edge) / scale);
}

/** Share of a distribution below a value, from its quantiles at equal steps from 0 to 100 %. */
export function quantileShareBelow(quantiles: readonly number[], value: number): number {
  const steps = quantiles.length - 1;
  if (steps < 1) return Number.NaN;
  if (value <= quantiles[0]) return 0;
  if (value >= quantiles[steps]) return 1;
  for (let i = 1; i <= steps; i++) {
    if (value <= quantiles[i]) {
      const span = quantiles[i] - quantiles[i - 1];
      const within = span > 0 ? (value - quantiles[i - 1]) / span : 1;
      return (i - 1 + within) / steps;
    }
  }
  return 1;
}

/** Standard normal CDF (Abramowitz-Stegun 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const poly =
    t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const upper = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return z >= 0 ? 1 - upper : upper;
}

function pairScores(
  samples: readonly CalibrationSample[],
  maxImpostorPairs: number,
  seed: number,
): {
  genuine: Float32Array;
  bestSamePerson: Float32Array;
  impostor: Float32Array;
  impostorPairsTotal: number;
  sampled: boolean;
} {
  const n = samples.length;
  const byPerson = new Map<number, number[]>();
  samples.forEach((s, i) => {
    const members = byPerson.get(s.personId);
    if (members) members.push(i);
    else byPerson.set(s.personId, [i]);
  });
  let genuinePairs = 0;
  for (const members of byPerson.values()) genuinePairs += (members.length * (members.length - 1)) / 2;
  const impostorPairsTotal = (n * (n - 1)) / 2 - genuinePairs;

  const genuine = new Float32Array(genuinePairs);
  const best = new Float32Array(n).fill(-Infinity);
  let g = 0;
  for (const members of byPerson.values()) {
    for (let a = 0; a < members.length; a++)
      for (let b = a + 1; b < members.length; b++) {
        const score = dot(samples[members[a]].vector, samples[members[b]].vector);
        genuine[g++] = score;
        best[members[a]] = Math.max(best[members[a]], score);
        best[members[b]] = Math.max(best[members[b]], score);
      }
  }
  const bestSamePerson = best.filter((score) => score > -Infinity);

  const sampled = impostorPairsTotal > maxImpostorPairs;
  const impostor = new Float32Array(sampled ? maxImpostorPairs : impostorPairsTotal);
  let k = 0;
  if (!sampled) {
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++)
        if (samples[a].personId !== samples[b].personId)
          impostor[k++] = dot(samples[a].vector, samples[b].vector);
  } else {
    const random = seededRandom(seed);
    while (k < impostor.length) {
      const a = Math.floor(random() * n);
      const b = Math.floor(random() * n);
      if (samples[a].personId !== samples[b].personId)
        impostor[k++] = dot(samples[a].vector, samples[b].vector);
    }
  }
  return { genuine, bestSamePerson, impostor, impostorPairsTotal, sampled };
}

/** The smallest score t such that the share of scores >= t is at most rate (scores above the tail). */
function tailThreshold(scores: Float32Array, rate: number): number {
  const sorted = Float32Array.from(scores).sort();
  const allowed = Math.floor(rate * sorted.length);
  // Everything strictly above sorted[n - allowed - 1] may be accepted; put the threshold just above it.
  const boundary = sorted[sorted.length - allowed - 1];
  return nextUp(boundary);
}

/** Share of the impostor scores whose excesses the exponential tail is fitted to. */
const tailShare = 0.1;

/**
 * Peaks over threshold with an exponential tail: above u (the lower edge of the top tenth) the
 * excesses are taken as exponential with the mean excess as scale, so P(S > t) = (m / n) e^(-(t - u) / b).
 * Never below the highest score seen, which already occurs at a rate of 1 / n > rate.
 */
function exponentialTailThreshold(scores: Float32Array, rate: number): number {
  const sorted = Float32Array.from(scores).sort();
  const n = sorted.length;
  const m = Math.max(1, Math.ceil(tailShare * n));
  const edge = sorted[n - m - 1] ?? sorted[0];
  let excess = 0;
  for (let i = n - m; i < n; i++) excess += sorted[i] - edge;
  const scale = excess / m;
  const tail = m / n > rate ? edge + scale * Math.log(m / n / rate) : edge;
  return Math.max(tail, nextUp(sorted[n - 1]));
}

function nextUp(value: number): number {
  return value + Math.max(1e-6, Math.abs(value) * 1e-6);
}

function shareAtOrAbove(scores: Float32Array, threshold: number): number {
  let n = 0;
  for (const s of scores) if (s >= threshold) n++;
  return n / scores.length;
}

function summarise(scores: Float32Array): ScoreSummary | null {
  if (scores.length === 0) return null;
  const sorted = Float32Array.from(scores).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  const mean = sum / sorted.length;
  let variance = 0;
  for (const s of sorted) variance += (s - mean) ** 2;
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    count: sorted.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean,
    std: Math.sqrt(variance / sorted.length),
    p05: at(0.05),
    p99: at(0.99),
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function formatRate(rate: number): string {
  return `${(rate * 100).toPrecision(2).replace(/\.?0+$/, '')}%`;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Calibration of a gallery's own templates for one model, in the shape the app and CLI show. */
export function calibrateGallery(
  gallery: {
    templates: {
      embeddingsFor(
        modelId: string,
      ): Iterable<{ personId: number; modelSha256: string; vector: Float32Array }>;
    };
  },
  model: { modelId: string; modelSha256: string },
  options: CalibrationOptions,
): CalibrationResult {
  const samples: CalibrationSample[] = [];
  for (const stored of gallery.templates.embeddingsFor(model.modelId)) {
    if (stored.modelSha256 === model.modelSha256)
      samples.push({ personId: stored.personId, vector: stored.vector });
  }
  const report = calibrateScores(samples, options);
  return {
    model: model.modelId,
    people: report.people,
    templates: report.templates,
    genuinePairs: report.genuine?.count ?? 0,
    impostorPairs: report.impostor?.count ?? 0,
    targetFar: report.targetFar,
    pairFar: report.pairFar,
    suggestedThreshold: report.suggestedThreshold,
    source: report.source,
    tooSmall: report.tooSmall,
    packThreshold: options.packThreshold,
    tailThreshold: report.tailThreshold,
    gaussianThreshold: report.gaussianThreshold,
    genuineAcceptRate: report.genuineAcceptRate,
    genuineIdentificationRate: report.genuineIdentificationRate,
    atSuggestion: report.atSuggestion,
    atCurrent: report.atCurrent,
    warning: report.warning,
    message: report.note,
  };
}
