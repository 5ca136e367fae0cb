/**
 * Rules compared on the cached opinions of bench/dev-liveness-opinions.ts (issue 12,
 * docs/liveness.md "The remaining targets"), nothing re-run:
 *  - the judge's context margin (minContextMargin) swept over all frames, and a centred crop
 *    reflect-padded at the frame edge instead of upstream's shifted one (padding, no margin rule);
 *  - the starter pack's fr_liveness as a third opinion in the stream decision (a veto like the
 *    second opinion's: lower median of the run under T challenges a face the others let in).
 * Per variant: frames accepted per species and live camera frames not accepted / not judged, the
 * 90 % clip-bootstrap interval, and the door's first run of 3 frames per clip (step-up 'when
 * unsure', the pack's second opinion at 0.2, floor 0.2) as pass/challenge/refuse/cannot judge.
 *
 *   nice -n 10 npx tsx bench/dev-liveness-rules.ts /tmp/w4-liveness/opinions/frames.json
 */
import { readFileSync } from 'node:fs';
import {
  clipBootstrap,
  sequenceOutcomes,
  streamCounts,
  windowCounts,
  type ScoredRow,
} from '../src/core/face/liveness/dev-report';
import type { OpinionFrame } from './dev-liveness-opinions';

/** Live camera frames of spoof-dev (its README), as opposed to the celebrity photos. */
const cameraPrefixes = [
  'tdreal',
  'siva',
  'nert',
  'tvl',
  'zub',
  'apf',
  'krz',
  'lest',
  'wolf',
  'zalo',
  'miniai',
];
const isCamera = (file: string) => cameraPrefixes.some((p) => file.startsWith(p));

const threshold = 0.5;
const floor = 0.2;
const secondThreshold = 0.2;

interface Variant {
  name: string;
  /** The frame's pair score, or null when it cannot be judged. */
  score(f: OpinionFrame): number | null;
  /** What the stream decision's extra opinion reads (default: the second opinion). */
  second?(f: OpinionFrame): number | undefined;
}

const minMargin = (f: OpinionFrame) => Math.min(...(f.pair ?? []).map((p) => p.margin));

function rowsOf(frames: readonly OpinionFrame[], v: Variant): ScoredRow[] {
  return frames.map((f) => {
    const base = { file: f.file, label: f.label, attackType: f.attackType, source: f.source };
    if (!f.pair) return { ...base, score: null, verdict: 'no_face' as const };
    const score = v.score(f);
    if (score === null) return { ...base, score: 0, verdict: 'cannot_judge' as const };
    return {
      ...base,
      score,
      verdict: score >= threshold ? ('live' as const) : ('spoof' as const),
      second: (v.second ?? ((x: OpinionFrame) => x.second))(f) ?? null,
    };
  });
}

function report(frames: readonly OpinionFrame[], v: Variant): string {
  const rows = rowsOf(frames, v);
  const camera = rows.filter((r) => r.label === 'real' && isCamera(r.file));
  const accepted = (kind: string) => {
    const list = rows.filter((r) => r.label === 'spoof' && r.attackType === kind);
    return `${list.filter((r) => r.verdict === 'live').length}/${list.length}`;
  };
  const boot = clipBootstrap(rows);
  const cameraBoot = clipBootstrap(camera).bona_fide;
  const pct = (x: { low: number; high: number } | undefined) =>
    x ? `${(x.low * 100).toFixed(1)}-${(x.high * 100).toFixed(1)}%` : '-';
  const notJudged = camera.filter((r) => r.verdict === 'cannot_judge' || r.verdict === 'no_face').length;
  const rejected = camera.filter((r) => r.verdict !== 'live').length;
  const options = { unsureFloor: floor, secondOpinionThreshold: secondThreshold, minFrames: 1 };
  // The door's first decision: the first run of framesToAgree frames in time order.
  const first = windowCounts(rows, threshold, options);
  const cameraClips = streamCounts(sequenceOutcomes(camera, threshold, options)).bona_fide;
  const cameraFirst = windowCounts(camera, threshold, options).bona_fide;
  const clips = streamCounts(sequenceOutcomes(rows, threshold, options));
  const fmt = (c: Record<string, number> | undefined) =>
    c ? `${c.pass}/${c.challenge}/${c.refuse}/${c.cannot_judge}` : '-';
  return [
    `${v.name}`,
    `  frames accepted: replay ${accepted('screen_replay')} (${pct(boot.screen_replay)}), print ${accepted('print')} (${pct(boot.print)}), mask ${accepted('mask')}; ` +
      `live camera not accepted ${rejected}/${camera.length} (${pct(cameraBoot)}), of them not judged ${notJudged}`,
    `  clips, all frames (pass/challenge/refuse/cannot judge): live camera ${fmt(cameraClips)}, replay ${fmt(clips.screen_replay)}, print ${fmt(clips.print)}, mask ${fmt(clips.mask)}`,
    `  door: some run passes: replay ${first.screen_replay?.anyPass}, print ${first.print?.anyPass}, mask ${first.mask?.anyPass}; live camera first run challenged ${cameraFirst?.firstChallenge}/${cameraFirst?.clips}, some run refused ${cameraFirst?.anyRefuse}`,
  ].join('\n');
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/dev-liveness-rules.ts FRAMES.json');
    process.exit(64);
  }
  const frames = JSON.parse(readFileSync(file, 'utf8')) as OpinionFrame[];
  const variants: Variant[] = [];
  for (const m of [0.2, 0.15, 0.1, 0.08, 0.05, 0.03, 0.02, 0.01, 0, -1]) {
    variants.push({
      name: `upstream crop, context margin ${m === -1 ? 'none' : m}${m === 0.1 ? ' (the rule before)' : ''}`,
      score: (f) => (minMargin(f) >= m ? (f.pairScore ?? 0) : null),
    });
  }
  variants.push({
    name: 'centred crop, reflect-101 padded at the frame edge, no margin rule',
    score: (f) => f.pairPadded ?? 0,
  });
  variants.push({
    name: 'padded only where the margin rule refuses (margin 0.1)',
    score: (f) => (minMargin(f) >= 0.1 ? (f.pairScore ?? 0) : (f.pairPadded ?? 0)),
  });
  for (const t of [0.5, 0.2, 0.1]) {
    variants.push({
      name: `third opinion: starter fr_liveness instead of the second opinion, veto under ${t}`,
      score: (f) => (minMargin(f) >= 0.1 ? (f.pairScore ?? 0) : null),
      second: (f) => (f.starter === undefined ? undefined : f.starter < t ? 0 : 1),
    });
    variants.push({
      name: `second opinion and starter fr_liveness, either under ${t} vetoes (min of the two)`,
      score: (f) => (minMargin(f) >= 0.1 ? (f.pairScore ?? 0) : null),
      second: (f) =>
        f.second === undefined || f.starter === undefined
          ? undefined
          : f.second < secondThreshold || f.starter < t
            ? 0
            : 1,
    });
  }
  variants.push({
    name: 'pair as the minimum of its two models (2.7x, 4.0x) instead of the mean',
    score: (f) => (minMargin(f) >= 0.1 ? Math.min(...(f.pair ?? []).map((p) => p.score)) : null),
  });
  for (const v of variants) console.log(report(frames, v));
  // The frames the margin decides: every face whose margin is under 0.1, with its scores.
  console.log(
    '\nframes under a 0.1 context margin (margin, pair on upstream crop, pair padded, second, starter):',
  );
  for (const f of frames
    .filter((x) => x.pair && minMargin(x) < 0.1)
    .sort((a, b) => minMargin(a) - minMargin(b)))
    console.log(
      `  ${f.file.padEnd(36)} ${(f.label === 'real' ? (isCamera(f.file) ? 'live camera' : 'live photo') : f.attackType).padEnd(14)} ` +
        `${minMargin(f).toFixed(3).padStart(6)} ${f.pairScore?.toFixed(3)} ${f.pairPadded?.toFixed(3)} ${f.second?.toFixed(3)} ${f.starter?.toFixed(3)}`,
    );
  console.log(
    '\nno face found:',
    frames
      .filter((f) => !f.pair)
      .map((f) => f.file)
      .join(', '),
  );
}

main();
