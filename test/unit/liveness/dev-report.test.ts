import { describe, expect, it } from 'vitest';
import {
  clipBootstrap,
  clipOf,
  ratesBySource,
  scoreDistributionSvg,
  sequenceOutcomes,
  sourceOf,
  streamCounts,
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
});
