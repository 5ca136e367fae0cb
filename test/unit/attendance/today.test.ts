import { describe, expect, it } from 'vitest';
import type { TimedEvent } from '../../../src/core/attendance/event-log';
import { summariseToday } from '../../../src/core/attendance/today';
import { arrivalBars } from '../../../src/renderer/src/admin/home/arrivals-chart';

const at = (iso: string) => Date.parse(iso);
function event(
  id: number,
  person: { id: number; name: string },
  kind: 'check_in' | 'check_out',
  iso: string,
): TimedEvent {
  return {
    id,
    at: iso,
    atMs: at(iso),
    person,
    kind,
    similarity: 0.7,
    liveness: 0.9,
    doorOpened: false,
    device: 'front-desk',
    note: null,
  };
}
const ada = { id: 1, name: 'Ada' };
const bob = { id: 2, name: 'Bob' };

describe('today at a glance', () => {
  const events = [
    event(1, ada, 'check_in', '2024-05-10T07:55:00Z'),
    event(2, bob, 'check_in', '2024-05-10T08:10:00Z'),
    event(3, ada, 'check_out', '2024-05-10T12:00:00Z'),
    event(4, ada, 'check_in', '2024-05-10T12:40:00Z'),
    event(5, bob, 'check_out', '2024-05-10T16:00:00Z'),
  ];
  const options = { timeZone: 'UTC', date: '2024-05-10', spoofs: 2, unknown: 1 };

  it('knows who is in now from the latest event, and counts each first arrival in its hour', () => {
    const today = summariseToday(events, { ...options, mode: 'toggle' });
    expect(today.inNow).toEqual([{ person: ada, since: '2024-05-10T07:55:00Z' }]);
    expect(today.knowsWhoLeft).toBe(true);
    expect(today.arrivals).toBe(2);
    expect(today.arrivalsByHour[7]).toBe(1);
    expect(today.arrivalsByHour[8]).toBe(1);
    expect(today.arrivalsByHour[12]).toBe(0); // Ada's return is not an arrival
    expect(today.arrivalsByHour.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts arrivals in the report time zone', () => {
    const today = summariseToday(events, { ...options, mode: 'toggle', timeZone: 'Europe/Berlin' });
    expect(today.arrivalsByHour[9]).toBe(1); // 07:55 UTC is 09:55 in Berlin in May
    expect(today.arrivalsByHour[10]).toBe(1);
  });

  it('says it cannot know who left when nobody checks out', () => {
    const today = summariseToday(
      events.filter((e) => e.kind === 'check_in'),
      { ...options, mode: 'check_in_only' },
    );
    expect(today.knowsWhoLeft).toBe(false);
    expect(today.inNow.map((e) => e.person.name)).toEqual(['Ada', 'Bob']);
  });

  it('draws one bar per hour of the working day, the busiest full height', () => {
    const byHour = new Array<number>(24).fill(0);
    byHour[8] = 4;
    byHour[9] = 2;
    const { bars, max } = arrivalBars(byHour, { width: 130, height: 100 });
    expect(max).toBe(4);
    expect(bars.map((b) => b.hour)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(bars.find((b) => b.hour === 8)).toMatchObject({ height: 100, y: 0 });
    expect(bars.find((b) => b.hour === 9)).toMatchObject({ height: 50, y: 50 });
    byHour[22] = 1;
    expect(arrivalBars(byHour, { width: 130, height: 100 }).bars.at(-1)?.hour).toBe(22);
  });
});
