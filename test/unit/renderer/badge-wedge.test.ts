import { describe, expect, it } from 'vitest';
import { BadgeWedge } from '../../../src/renderer/src/lib/badge-wedge';

/** Feeds keys at the given times; returns every output in order (a final flush when told). */
function feed(keys: [string, number][], flushAtEnd = true) {
  const wedge = new BadgeWedge({ maxGapMs: 35, minDigits: 4 });
  const out = keys.flatMap(([k, at]) => wedge.key(k, at));
  if (flushAtEnd) out.push(...wedge.flush());
  return out;
}
const burst = (digits: string, start: number, gap: number): [string, number][] => [
  ...[...digits].map((d, i): [string, number] => [d, start + i * gap]),
  ['Enter', start + digits.length * gap],
];

describe('keyboard-wedge badge reader told apart from typing by timing', () => {
  it('digits 8 ms apart then Enter are a badge', () => {
    expect(feed(burst('0012345678', 1000, 8))).toEqual([{ kind: 'badge', number: '0012345678' }]);
  });

  it('the same digits typed by a person (150 ms apart) are keys, Enter included', () => {
    const out = feed(burst('4711', 0, 150));
    expect(out.flatMap((o) => (o.kind === 'keys' ? o.keys : [`badge:${o.number}`]))).toEqual([
      '4',
      '7',
      '1',
      '1',
      'Enter',
    ]);
  });

  it('a typed digit before a reader burst stays a typed digit; the burst is still a badge', () => {
    const out = feed([['9', 0], ...burst('12345678', 500, 5)]);
    expect(out).toEqual([
      { kind: 'keys', keys: ['9'] },
      { kind: 'badge', number: '12345678' },
    ]);
  });

  it('a fast burst too short for a badge (3 digits) is passed on as keys', () => {
    const out = feed(burst('123', 0, 5));
    expect(out).toEqual([
      { kind: 'keys', keys: ['1', '2', '3'] },
      { kind: 'keys', keys: ['Enter'] },
    ]);
  });

  it('a pause inside a burst (a person) splits it: no badge', () => {
    const out = feed([...burst('1234', 0, 5).slice(0, 2), ...burst('5678', 300, 5)]);
    expect(out.some((o) => o.kind === 'badge' && o.number.length === 4)).toBe(true);
    expect(out[0]).toEqual({ kind: 'keys', keys: ['1', '2'] });
  });

  it('an Enter that comes late after the digits is a person pressing Enter', () => {
    const out = feed([...burst('12345678', 0, 5).slice(0, 8), ['Enter', 400]]);
    expect(out).toEqual([
      { kind: 'keys', keys: ['1', '2', '3', '4', '5', '6', '7', '8'] },
      { kind: 'keys', keys: ['Enter'] },
    ]);
  });
});
