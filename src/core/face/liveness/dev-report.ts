import { lowerMedian } from '../../access/median';
import { seededRandom } from '../../random';
import { livenessErrorRates, type LivenessErrorRates, type LivenessOutcome } from './evaluation';

/**
 * What eval-liveness reports beyond the pooled error rates, for a development set whose frames
 * come in clips (../shared/datasets/spoof-dev): rates per source and per attack species, the
 * threshold at which no attack passes, a bootstrap over clips (frames of one clip are
 * near-duplicates, so they are not independent samples), and a decision per clip over its frames.
 */
export interface ScoredRow extends LivenessOutcome {
  file: string;
  source: string;
  /** The pack's second opinion (face-antispoof-onnx p_live) on this frame, when it has one. */
  second?: number | null;
}

/** The repository (or other origin) of a source: `owner/name` of `owner/name@commit:path#t=S`. */
export function sourceOf(row: { source: string; file: string }): string {
  if (!row.source) return row.file.split(/[_/]/)[0] || row.file;
  return row.source.split('@')[0];
}

/** The clip (or single photo) a frame belongs to: the source without its `#t=S` frame time. */
export function clipOf(row: { source: string; file: string }): string {
  return row.source ? row.source.split('#')[0] : row.file;
}

/** The species of a row: its attack type, 'bona_fide' for real faces. */
export const speciesOf = (row: LivenessOutcome): string =>
  row.label === 'real' ? 'bona_fide' : row.attackType || 'unspecified';

export interface RateInterval {
  /** 5th and 95th percentile of the rate over clip resamples. */
  low: number;
  high: number;
}

/**
 * A 90 % interval for each error rate (APCER per species, BPCER) from resampling whole clips with
 * replacement within each species, so near-duplicate frames of one clip move together.
 */
export function clipBootstrap(
  rows: readonly ScoredRow[],
  rounds = 1000,
  seed = 12,
): Record<string, RateInterval> {
  const random = seededRandom(seed);
  const bySpecies = new Map<string, ScoredRow[][]>();
  const clips = new Map<string, ScoredRow[]>();
  for (const row of rows) {
    const key = `${speciesOf(row)}|${clipOf(row)}`;
    clips.set(key, [...(clips.get(key) ?? []), row]);
  }
  for (const [key, list] of clips) {
    const species = key.split('|')[0];
    bySpecies.set(species, [...(bySpecies.get(species) ?? []), list]);
  }
  const result: Record<string, RateInterval> = {};
  for (const [species, list] of bySpecies) {
    const rates: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let errors = 0;
      let total = 0;
      for (let j = 0; j < list.length; j++) {
        const clip = list[Math.floor(random() * list.length)];
        for (const row of clip) {
          total++;
          const accepted = row.verdict === 'live';
          if (row.label === 'real' ? !accepted : accepted) errors++;
        }
      }
      rates.push(total ? errors / total : 0);
    }
    rates.sort((a, b) => a - b);
    result[species] = {
      low: rates[Math.floor(0.05 * (rounds - 1))],
      high: rates[Math.ceil(0.95 * (rounds - 1))],
    };
  }
  return result;
}

/** Error rates of each source (repository) on its own. */
export function ratesBySource(rows: readonly ScoredRow[]): Record<string, LivenessErrorRates> {
  const groups = new Map<string, ScoredRow[]>();
  for (const row of rows) groups.set(sourceOf(row), [...(groups.get(sourceOf(row)) ?? []), row]);
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, livenessErrorRates(v)]),
  );
}

/**
 * The threshold at which no judged attack passes (just above the highest attack score), and the
 * bona fide rejections there: the cost of APCER = 0 on this set.
 */
export function zeroApcerThreshold(rows: readonly ScoredRow[]): {
  threshold: number | null;
  bpcer: { errors: number; total: number };
} {
  const attacks = rows.filter((r) => r.label === 'spoof' && r.score !== null && r.verdict !== 'cannot_judge');
  const real = rows.filter((r) => r.label === 'real');
  if (!attacks.length) return { threshold: null, bpcer: { errors: 0, total: real.length } };
  const top = Math.max(...attacks.map((r) => r.score as number));
  const threshold = Math.min(1, Number((top + 1e-4).toFixed(4)));
  const rejected = real.filter(
    (r) => r.score === null || r.verdict === 'cannot_judge' || r.verdict === 'no_face' || r.score < threshold,
  );
  return { threshold, bpcer: { errors: rejected.length, total: real.length } };
}

export interface SequenceOutcome {
  clip: string;
  source: string;
  label: 'real' | 'spoof';
  attackType: string;
  frames: number;
  judged: number;
  /** Lower median of the judged frames' scores, null when too few were judged. */
  score: number | null;
  /** Lower median of the judged frames' second-opinion scores, null without a second opinion. */
  second: number | null;
  verdict: 'live' | 'spoof' | 'cannot_judge';
  /**
   * The stream decision with the step-up challenge 'when unsure': pass (at or above the threshold),
   * challenge (in [floor, threshold): the person is asked for a head turn), refuse (under floor).
   * With a second opinion, a pass whose second-opinion median is under its threshold is a challenge.
   */
  stream: 'pass' | 'challenge' | 'refuse' | 'cannot_judge';
}

/**
 * The decision over a stream, with a clip's frames as its stream: live when at least
 * min(framesToAgree, frames) frames were judged and their lower median reaches the threshold
 * (the AccessPolicy's rule). Clips of fewer than minFrames frames (default 2) are left out.
 * With secondOpinionThreshold, a clip that would pass is challenged when the lower median of its
 * judged frames' second-opinion scores is under it (the AccessPolicy asks for the second opinion on
 * one frame of the track; the clip's lower median stands for the frame it would get).
 */
export interface StreamRuleOptions {
  framesToAgree?: number;
  unsureFloor?: number;
  minFrames?: number;
  secondOpinionThreshold?: number | null;
  /** How the frames' scores are combined (both models'); the access policy uses the lower median. */
  aggregate?: Aggregate;
}

/** Ways to combine a stream's frame scores, compared in docs/liveness.md. */
export type Aggregate = 'lower_median' | 'mean' | 'trimmed_mean' | 'lower_quartile' | 'min';

export const aggregates: readonly Aggregate[] = [
  'lower_median',
  'mean',
  'trimmed_mean',
  'lower_quartile',
  'min',
];

/** Combines a non-empty list of scores. trimmed_mean drops a fifth at each end (one of 4-9). */
export function aggregateScores(values: readonly number[], how: Aggregate = 'lower_median'): number {
  if (how === 'lower_median') return lowerMedian(values);
  const sorted = [...values].sort((a, b) => a - b);
  if (how === 'min') return sorted[0];
  if (how === 'lower_quartile') return sorted[Math.floor(0.25 * (sorted.length - 1))];
  const cut =
    how === 'trimmed_mean'
      ? sorted.length >= 5
        ? Math.floor(sorted.length / 5)
        : sorted.length >= 4
          ? 1
          : 0
      : 0;
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** Frames of a clip in time order (by `#t=S`, file name otherwise). */
function byTime(frames: readonly ScoredRow[]): ScoredRow[] {
  const time = (r: ScoredRow) => {
    const m = /#t=([0-9.]+)/.exec(r.source);
    return m ? Number(m[1]) : 0;
  };
  return [...frames].sort((a, b) => time(a) - time(b) || a.file.localeCompare(b.file));
}

/** The stream decision over one run of frames (see sequenceOutcomes). */
function streamOutcome(
  clip: string,
  frames: readonly ScoredRow[],
  threshold: number,
  options: StreamRuleOptions,
): SequenceOutcome {
  const framesToAgree = options.framesToAgree ?? 3;
  const floor = options.unsureFloor ?? threshold;
  const how = options.aggregate ?? 'lower_median';
  const judged = frames.filter((f) => f.verdict === 'live' || f.verdict === 'spoof');
  const enough = judged.length >= Math.min(framesToAgree, frames.length);
  const score = enough
    ? aggregateScores(
        judged.map((f) => f.score ?? 0),
        how,
      )
    : null;
  const seconds = judged.map((f) => f.second).filter((v): v is number => typeof v === 'number');
  const second = seconds.length ? aggregateScores(seconds, how) : null;
  const secondThreshold = options.secondOpinionThreshold ?? null;
  const doubted = secondThreshold !== null && second !== null && second < secondThreshold;
  return {
    clip,
    source: sourceOf(frames[0]),
    label: frames[0].label,
    attackType: frames[0].attackType,
    frames: frames.length,
    judged: judged.length,
    score,
    second,
    verdict: score === null ? 'cannot_judge' : score >= threshold ? 'live' : 'spoof',
    stream:
      score === null
        ? 'cannot_judge'
        : score >= threshold
          ? doubted
            ? 'challenge'
            : 'pass'
          : score >= floor
            ? 'challenge'
            : 'refuse',
  };
}

function clipsOf(rows: readonly ScoredRow[]): Map<string, ScoredRow[]> {
  const clips = new Map<string, ScoredRow[]>();
  for (const row of rows) clips.set(clipOf(row), [...(clips.get(clipOf(row)) ?? []), row]);
  return clips;
}

export function sequenceOutcomes(
  rows: readonly ScoredRow[],
  threshold: number,
  options: StreamRuleOptions = {},
): SequenceOutcome[] {
  const minFrames = options.minFrames ?? 2;
  const out: SequenceOutcome[] = [];
  for (const [clip, frames] of clipsOf(rows)) {
    if (frames.length < minFrames) continue;
    out.push(streamOutcome(clip, frames, threshold, options));
  }
  return out;
}

export interface WindowCounts {
  clips: number;
  /** Clips where at least one run of framesToAgree consecutive frames passes (an attacker's retries). */
  anyPass: number;
  /** Clips where at least one run is challenged, and where the first run is. */
  anyChallenge: number;
  firstChallenge: number;
  anyRefuse: number;
  /** All runs, by outcome. */
  windows: Record<SequenceOutcome['stream'], number>;
}

/**
 * The door's view of a clip: the access policy decides as soon as framesToAgree frames agree, so
 * every run of framesToAgree consecutive frames (in time order) is a decision the door could take
 * (a clip with fewer frames is one run). Per species: clips where any run passes (an attacker may
 * try again), clips where the first or any run is challenged, and the runs by outcome.
 */
export function windowCounts(
  rows: readonly ScoredRow[],
  threshold: number,
  options: StreamRuleOptions = {},
): Record<string, WindowCounts> {
  const size = options.framesToAgree ?? 3;
  const out: Record<string, WindowCounts> = {};
  for (const [clip, unordered] of clipsOf(rows)) {
    const frames = byTime(unordered);
    const runs =
      frames.length <= size
        ? [frames]
        : Array.from({ length: frames.length - size + 1 }, (_, i) => frames.slice(i, i + size));
    const outcomes = runs.map((run) => streamOutcome(clip, run, threshold, options).stream);
    const key = speciesOf(frames[0]);
    const c = (out[key] ??= {
      clips: 0,
      anyPass: 0,
      anyChallenge: 0,
      firstChallenge: 0,
      anyRefuse: 0,
      windows: { pass: 0, challenge: 0, refuse: 0, cannot_judge: 0 },
    });
    c.clips++;
    if (outcomes.includes('pass')) c.anyPass++;
    if (outcomes.includes('challenge')) c.anyChallenge++;
    if (outcomes[0] === 'challenge') c.firstChallenge++;
    if (outcomes.includes('refuse')) c.anyRefuse++;
    for (const o of outcomes) c.windows[o]++;
  }
  return out;
}

/** One stream rule of the leave-one-source-out check. */
export interface StreamRule {
  aggregate: Aggregate;
  unsureFloor: number;
  /** null: no second opinion. */
  secondOpinionThreshold: number | null;
}

/**
 * The grid the leave-one-source-out check picks from (docs/liveness.md), the stricter settings
 * first so that a tie on the training clips goes to the safer rule.
 */
export function streamRuleGrid(withSecondOpinion: boolean): StreamRule[] {
  const seconds: (number | null)[] = withSecondOpinion ? [0.5, 0.3, 0.2, 0.1, 0.05, null] : [null];
  const grid: StreamRule[] = [];
  for (const aggregate of aggregates)
    for (const unsureFloor of [0.3, 0.2, 0.1])
      for (const secondOpinionThreshold of seconds)
        grid.push({ aggregate, unsureFloor, secondOpinionThreshold });
  return grid;
}

/**
 * How a rule does on a set of clips, as the ordered cost the check minimises: print and replay
 * clips let in, live camera clips refused, live camera clips challenged, attack clips challenged
 * (rather than refused). Each clip is one run of its first framesToAgree frames (the door's first
 * decision).
 */
function ruleCost(
  clips: readonly ScoredRow[][],
  threshold: number,
  rule: StreamRule,
  framesToAgree: number,
): number[] {
  const cost = [0, 0, 0, 0];
  for (const frames of clips) {
    const run = byTime(frames).slice(0, framesToAgree);
    const o = streamOutcome('', run, threshold, { ...rule, framesToAgree }).stream;
    const species = speciesOf(frames[0]);
    const attack = species === 'print' || species === 'screen_replay';
    if (attack && o === 'pass') cost[0]++;
    if (species === 'bona_fide' && o === 'refuse') cost[1]++;
    if (species === 'bona_fide' && o === 'challenge') cost[2]++;
    if (attack && o === 'challenge') cost[3]++;
  }
  return cost;
}

const lexLess = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
};

export interface LeaveOneSourceOut {
  /** Per held-out source: the rule picked on the others, and its stream counts there. */
  folds: {
    source: string;
    rule: StreamRule;
    counts: Record<string, Record<SequenceOutcome['stream'], number>>;
  }[];
  /** The held-out counts summed over the folds. */
  heldOut: Record<string, Record<SequenceOutcome['stream'], number>>;
  /** The rule picked on all sources, and its (in-sample) counts. */
  all: { rule: StreamRule; counts: Record<string, Record<SequenceOutcome['stream'], number>> };
}

/**
 * Leave-one-source-out check of choosing the stream rule on this set: for each source, pick the
 * grid's best rule (ruleCost, first in grid order on a tie) on the clips of the other sources and
 * apply it to the held-out source's clips (first framesToAgree frames). When the held-out sums are
 * worse than the in-sample ones, the choice is fitted to the set.
 */
export function leaveOneSourceOut(
  rows: readonly ScoredRow[],
  threshold: number,
  grid: readonly StreamRule[],
  framesToAgree = 3,
): LeaveOneSourceOut {
  const clips = [...clipsOf(rows).values()];
  const pick = (train: ScoredRow[][]) => {
    let best = grid[0];
    let bestCost = ruleCost(train, threshold, best, framesToAgree);
    for (const rule of grid.slice(1)) {
      const cost = ruleCost(train, threshold, rule, framesToAgree);
      if (lexLess(cost, bestCost)) {
        best = rule;
        bestCost = cost;
      }
    }
    return best;
  };
  const countsOf = (test: ScoredRow[][], rule: StreamRule) =>
    streamCounts(
      test.map((f) =>
        streamOutcome(clipOf(f[0]), byTime(f).slice(0, framesToAgree), threshold, { ...rule, framesToAgree }),
      ),
    );
  const sources = [...new Set(clips.map((f) => sourceOf(f[0])))].sort();
  const heldOut: LeaveOneSourceOut['heldOut'] = {};
  const folds = sources.map((source) => {
    const rule = pick(clips.filter((f) => sourceOf(f[0]) !== source));
    const counts = countsOf(
      clips.filter((f) => sourceOf(f[0]) === source),
      rule,
    );
    for (const [k, c] of Object.entries(counts)) {
      heldOut[k] ??= { pass: 0, challenge: 0, refuse: 0, cannot_judge: 0 };
      for (const [o, n] of Object.entries(c)) heldOut[k][o as SequenceOutcome['stream']] += n;
    }
    return { source, rule, counts };
  });
  const rule = pick(clips);
  return { folds, heldOut, all: { rule, counts: countsOf(clips, rule) } };
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);

const palette = ['#1b7837', '#b2182b', '#2166ac', '#e08214', '#762a83', '#4d4d4d'];

/**
 * A self-contained SVG of the score distributions: one histogram row per species (bona fide
 * first), 20 bins over [0, 1], cannot-judge frames counted apart, the threshold marked.
 */
export function scoreDistributionSvg(rows: readonly ScoredRow[], threshold: number, title: string): string {
  const species = [...new Set(rows.map(speciesOf))].sort((a, b) =>
    a === 'bona_fide' ? -1 : b === 'bona_fide' ? 1 : a.localeCompare(b),
  );
  const bins = 20;
  const rowH = 90;
  const left = 150;
  const plotW = 500;
  const top = 40;
  const width = left + plotW + 30;
  const height = top + species.length * rowH + 50;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  species.forEach((name, i) => {
    const list = rows.filter((r) => speciesOf(r) === name);
    const scored = list.filter(
      (r) => r.score !== null && r.verdict !== 'cannot_judge' && r.verdict !== 'no_face',
    );
    const counts = new Array<number>(bins).fill(0);
    for (const r of scored) counts[Math.min(bins - 1, Math.floor((r.score as number) * bins))]++;
    const max = Math.max(1, ...counts);
    const y0 = top + i * rowH;
    const base = y0 + rowH - 20;
    const colour = palette[i % palette.length];
    parts.push(
      `<text x="${left - 8}" y="${base - 30}" text-anchor="end">${escapeXml(name)}</text>`,
      `<text x="${left - 8}" y="${base - 14}" text-anchor="end" fill="#555">n=${list.length}, not judged ${list.length - scored.length}</text>`,
      `<line x1="${left}" y1="${base}" x2="${left + plotW}" y2="${base}" stroke="#999"/>`,
    );
    counts.forEach((c, b) => {
      if (!c) return;
      const h = (c / max) * (rowH - 30);
      const x = left + (b * plotW) / bins;
      parts.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(plotW / bins - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"><title>${c} in [${(b / bins).toFixed(2)}, ${((b + 1) / bins).toFixed(2)})</title></rect>`,
      );
    });
  });
  const tx = left + threshold * plotW;
  const bottom = top + species.length * rowH;
  parts.push(
    `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="black" stroke-dasharray="4 3"/>`,
    `<text x="${tx}" y="${bottom + 14}" text-anchor="middle">threshold ${threshold}</text>`,
  );
  for (let t = 0; t <= 10; t += 2) {
    const x = left + (t / 10) * plotW;
    parts.push(
      `<text x="${x}" y="${bottom + 32}" text-anchor="middle" fill="#555">${(t / 10).toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${bottom + 46}" text-anchor="middle">liveness score</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** Counts of each stream outcome per species (bona_fide, print, screen_replay, ...). */
export function streamCounts(
  sequences: readonly SequenceOutcome[],
): Record<string, Record<SequenceOutcome['stream'], number>> {
  const out: Record<string, Record<SequenceOutcome['stream'], number>> = {};
  for (const q of sequences) {
    const key = q.label === 'real' ? 'bona_fide' : q.attackType || 'unspecified';
    out[key] ??= { pass: 0, challenge: 0, refuse: 0, cannot_judge: 0 };
    out[key][q.stream]++;
  }
  return out;
}
