import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  clipBootstrap,
  clipOf,
  leaveOneSourceOut,
  ratesBySource,
  scoreDistributionSvg,
  sequenceOutcomes,
  sourceOf,
  streamCounts,
  streamRuleGrid,
  windowCounts,
  zeroApcerThreshold,
  type ScoredRow,
} from '../../../src/core/face/liveness/dev-report';

const row = (
  file: string,
  label: 'real' | 'spoof',
  score: number | null,
  source: string,
  attackType = label === 'spoof' ? 'screen_replay' : '',
): ScoredRow => ({
  file,
  label,
  attackType,
  source,
  score,
  verdict: score === null ? 'cannot_judge' : score >= 0.5 ? 'live' : 'spoof',
});

const rows: ScoredRow[] = [
  row('a0', 'real', 0.9, 'me/live@c:v.mp4#t=1'),
  row('a1', 'real', 0.3, 'me/live@c:v.mp4#t=2'),
  row('a2', 'real', 0.8, 'me/live@c:v.mp4#t=3'),
  row('b0', 'spoof', 0.6, 'you/fake@c:f.mp4#t=1'),
  row('b1', 'spoof', 0.1, 'you/fake@c:f.mp4#t=2'),
  row('b2', 'spoof', 0.3, 'you/fake@c:f.mp4#t=3'),
  row('p0', 'spoof', 0.05, 'you/fake@c:p.jpg', 'print'),
  row('c0', 'real', null, 'me/live@c:s.jpg'),
];

describe('dev-set report', () => {
  it('groups frames into clips and sources', () => {
    expect(clipOf(rows[0])).toBe('me/live@c:v.mp4');
    expect(sourceOf(rows[3])).toBe('you/fake');
    expect(Object.keys(ratesBySource(rows))).toEqual(['me/live', 'you/fake']);
    expect(ratesBySource(rows)['you/fake'].apcerBySpecies.screen_replay).toMatchObject({
      errors: 1,
      total: 3,
    });
  });

  it('judges a clip by the lower median of its judged frames, and sorts it for the step-up challenge', () => {
    const clips = sequenceOutcomes(rows, 0.5, { unsureFloor: 0.2 });
    expect(clips.map((c) => [c.clip, c.score, c.verdict, c.stream])).toEqual([
      ['me/live@c:v.mp4', 0.8, 'live', 'pass'],
      ['you/fake@c:f.mp4', 0.3, 'spoof', 'challenge'],
    ]);
    const all = sequenceOutcomes(rows, 0.5, { unsureFloor: 0.2, minFrames: 1 });
    expect(streamCounts(all)).toEqual({
      bona_fide: { pass: 1, challenge: 0, refuse: 0, cannot_judge: 1 },
      screen_replay: { pass: 0, challenge: 1, refuse: 0, cannot_judge: 0 },
      print: { pass: 0, challenge: 0, refuse: 1, cannot_judge: 0 },
    });
    expect(sequenceOutcomes([rows[4]], 0.5, { unsureFloor: 0.2, minFrames: 1 })[0].stream).toBe('refuse');
  });

  it('finds the threshold at which no attack passes and what it costs', () => {
    expect(zeroApcerThreshold(rows)).toEqual({ threshold: 0.6001, bpcer: { errors: 2, total: 4 } });
  });

  it('gives repeatable clip-bootstrap intervals that contain the observed rate', () => {
    const a = clipBootstrap(rows, 200, 7);
    expect(clipBootstrap(rows, 200, 7)).toEqual(a);
    expect(a.screen_replay.low).toBeLessThanOrEqual(1 / 3);
    expect(a.screen_replay.high).toBeGreaterThanOrEqual(1 / 3);
  });

  it('draws one histogram row per species with the threshold marked', () => {
    const svg = scoreDistributionSvg(rows, 0.5, 'title <dev>');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('title &lt;dev&gt;');
    for (const name of ['bona_fide', 'print', 'screen_replay']) expect(svg).toContain(`>${name}<`);
    expect(svg).toContain('threshold 0.5');
  });

  it('combines frame scores by lower median, mean, trimmed mean, lower quartile or minimum', () => {
    const v = [0.9, 0.1, 0.8, 0.7, 0.2];
    expect(aggregateScores(v)).toBe(0.7);
    expect(aggregateScores(v, 'mean')).toBeCloseTo(0.54, 10);
    expect(aggregateScores(v, 'trimmed_mean')).toBeCloseTo((0.2 + 0.7 + 0.8) / 3, 10);
    expect(aggregateScores(v, 'lower_quartile')).toBe(0.2);
    expect(aggregateScores(v, 'min')).toBe(0.1);
  });

  it("counts the door's decisions over every run of K consecutive frames, in time order", () => {
    const second = (r: ScoredRow, s: number): ScoredRow => ({ ...r, second: s });
    // A replay whose first three frames pass the pair (0.6, 0.7, 0.1 -> 0.6) and the next run does not.
    const replay = [
      second(row('r3', 'spoof', 0.1, 'x/r@c:v.mp4#t=4'), 0.0),
      second(row('r0', 'spoof', 0.6, 'x/r@c:v.mp4#t=1'), 0.5),
      second(row('r1', 'spoof', 0.7, 'x/r@c:v.mp4#t=2'), 0.0),
      second(row('r2', 'spoof', 0.1, 'x/r@c:v.mp4#t=3'), 0.1),
    ];
    const pair = windowCounts(replay, 0.5, { unsureFloor: 0.2 });
    expect(pair.screen_replay).toMatchObject({ clips: 1, anyPass: 1, firstChallenge: 0, anyRefuse: 1 });
    expect(pair.screen_replay.windows).toEqual({ pass: 1, challenge: 0, refuse: 1, cannot_judge: 0 });
    // The second opinion's lower median over the same run (0.5, 0.0, 0.1 -> 0.1) doubts the first run.
    const vetoed = windowCounts(replay, 0.5, { unsureFloor: 0.2, secondOpinionThreshold: 0.2 });
    expect(vetoed.screen_replay).toMatchObject({ anyPass: 0, firstChallenge: 1 });
  });

  it('leave one source out: a rule picked on the other sources can fail on the one held out', () => {
    const second = (r: ScoredRow, s: number): ScoredRow => ({ ...r, second: s });
    const clip = (name: string, label: 'real' | 'spoof', pair: number, s: number) =>
      [1, 2, 3].map((t) => second(row(`${name}${t}`, label, pair, `${name}/x@c:v.mp4#t=${t}`), s));
    // Only source 'b' shows a replay with a second opinion of 0.15: held out, nothing stops the pick
    // of a looser second-opinion threshold (0.1, which challenges fewer live people elsewhere).
    const data = [
      ...clip('a', 'real', 0.9, 0.12),
      ...clip('b', 'spoof', 0.9, 0.15),
      ...clip('c', 'real', 0.9, 0.9),
      ...clip('d', 'spoof', 0.9, 0.0),
    ];
    const loso = leaveOneSourceOut(data, 0.5, streamRuleGrid(true));
    expect(loso.folds.map((f) => f.source)).toEqual(['a/x', 'b/x', 'c/x', 'd/x']);
    const fold = loso.folds.find((f) => f.source === 'b/x');
    expect(fold?.rule.secondOpinionThreshold).toBeLessThan(0.15);
    expect(loso.heldOut.screen_replay.pass).toBe(1);
    // On all sources the replay of 'b' forces a stricter rule: nothing passes in-sample.
    expect(loso.all.counts.screen_replay.pass).toBe(0);
    expect(loso.all.rule.secondOpinionThreshold).toBeGreaterThan(0.15);
  });
});
