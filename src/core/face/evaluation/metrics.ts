/**
 * Verification metrics over scored pairs (cosine similarity; higher means more alike).
 * A pair is accepted as "same" when its score is >= the threshold.
 */

export interface ScoredPair {
  score: number;
  same: boolean;
}

export interface RocPoint {
  threshold: number;
  /** False accept rate: impostor pairs accepted / impostor pairs. */
  far: number;
  /** True accept rate: genuine pairs accepted / genuine pairs. */
  tar: number;
}

function counts(pairs: readonly ScoredPair[]): { genuine: number; impostor: number } {
  let genuine = 0;
  for (const p of pairs) if (p.same) genuine++;
  return { genuine, impostor: pairs.length - genuine };
}

/**
 * The ROC curve, from threshold +Infinity (nothing accepted, (0, 0)) down to the lowest score
 * (everything accepted, (1, 1)); one point per distinct score.
 */
export function rocCurve(pairs: readonly ScoredPair[]): RocPoint[] {
  const { genuine, impostor } = counts(pairs);
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].same) tp++;
    else fp++;
    if (i + 1 < sorted.length && sorted[i + 1].score === sorted[i].score) continue;
    points.push({
      threshold: sorted[i].score,
      far: impostor ? fp / impostor : 0,
      tar: genuine ? tp / genuine : 0,
    });
  }
  return points;
}

/** Area under the ROC curve (trapezoids; ties count one half, as Mann-Whitney does). */
export function rocAuc(pairs: readonly ScoredPair[]): number {
  const roc = rocCurve(pairs);
  let area = 0;
  for (let i = 1; i < roc.length; i++) {
    area += ((roc[i].far - roc[i - 1].far) * (roc[i].tar + roc[i - 1].tar)) / 2;
  }
  return area;
}

/** Fraction of pairs decided correctly at `threshold`. */
export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return Number.NaN;
  let correct = 0;
  for (const p of pairs) if (p.score >= threshold === p.same) correct++;
  return correct / pairs.length;
}

/**
 * The threshold with the best accuracy on `pairs`. Candidates are the midpoints between
 * consecutive distinct scores (plus one below the lowest and one above the highest); among
 * equally good candidates the median one is taken, so a clean gap is split in its middle
 * rather than hugging one class.
 */
export function bestThreshold(pairs: readonly ScoredPair[]): { threshold: number; accuracy: number } {
  if (pairs.length === 0) return { threshold: Number.NaN, accuracy: Number.NaN };
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  const { genuine } = counts(pairs);
  // Threshold below everything: all accepted, so the genuine pairs are right.
  let correct = genuine;
  let best = correct;
  let bestCandidates = [sorted[0].score - 1e-3];
  for (let i = 0; i < sorted.length; i++) {
    // Raising the threshold above sorted[i] rejects it.
    correct += sorted[i].same ? -1 : 1;
    if (i + 1 < sorted.length && sorted[i + 1].score === sorted[i].score) continue;
    const threshold =
      i + 1 < sorted.length ? (sorted[i].score + sorted[i + 1].score) / 2 : sorted[i].score + 1e-3;
    if (correct > best) {
      best = correct;
      bestCandidates = [threshold];
    } else if (correct === best) bestCandidates.push(threshold);
  }
  return {
    threshold: bestCandidates[Math.floor((bestCandidates.length - 1) / 2)],
    accuracy: best / pairs.length,
  };
}

/**
 * The true accept rate at the lowest threshold whose false accept rate is at most `far`
 * (NaN without impostor pairs). With few impostor pairs a small FAR is only as fine as
 * 1 / impostors: at FAR 1e-3 you need thousands of them for the figure to mean much.
 */
export function tarAtFar(pairs: readonly ScoredPair[], far: number): { tar: number; threshold: number } {
  const { impostor } = counts(pairs);
  if (impostor === 0) return { tar: Number.NaN, threshold: Number.NaN };
  let best: RocPoint = { threshold: Number.POSITIVE_INFINITY, far: 0, tar: 0 };
  for (const point of rocCurve(pairs)) if (point.far <= far) best = point;
  return { tar: best.tar, threshold: best.threshold };
}

/**
 * Equal error rate: where the false reject rate (1 - TAR) meets the FAR, interpolated on the
 * ROC; `threshold` is the score at that point.
 */
export function equalErrorRate(pairs: readonly ScoredPair[]): { eer: number; threshold: number } {
  const roc = rocCurve(pairs);
  for (let i = 1; i < roc.length; i++) {
    const a = roc[i - 1];
    const b = roc[i];
    const da = 1 - a.tar - a.far;
    const db = 1 - b.tar - b.far;
    if (db <= 0) {
      const t = da === db ? 0 : da / (da - db);
      const threshold = Number.isFinite(a.threshold)
        ? a.threshold + t * (b.threshold - a.threshold)
        : b.threshold;
      return { eer: a.far + t * (b.far - a.far), threshold };
    }
  }
  return { eer: Number.NaN, threshold: Number.NaN };
}

export interface FoldResult {
  fold: string;
  threshold: number;
  accuracy: number;
  pairs: number;
}

/**
 * LFW protocol accuracy: for each fold, the best threshold on the other folds is applied to it
 * (InsightFace verification.py, calculate_accuracy over KFold). With a single fold the fold's
 * own best threshold is used. Returns the mean and (population) standard deviation over folds.
 */
export function foldAccuracy(pairs: readonly (ScoredPair & { fold: string })[]): {
  accuracy: number;
  accuracyStd: number;
  folds: FoldResult[];
} {
  const names = [...new Set(pairs.map((p) => p.fold))];
  const folds: FoldResult[] = names.map((fold) => {
    const test = pairs.filter((p) => p.fold === fold);
    const train = names.length > 1 ? pairs.filter((p) => p.fold !== fold) : test;
    const { threshold } = bestThreshold(train);
    return { fold, threshold, accuracy: accuracyAt(test, threshold), pairs: test.length };
  });
  const accuracies = folds.map((f) => f.accuracy);
  const mean = accuracies.reduce((s, a) => s + a, 0) / (accuracies.length || 1);
  const variance = accuracies.reduce((s, a) => s + (a - mean) ** 2, 0) / (accuracies.length || 1);
  return { accuracy: folds.length ? mean : Number.NaN, accuracyStd: Math.sqrt(variance), folds };
}
