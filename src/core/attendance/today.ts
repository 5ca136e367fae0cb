import type { AttendanceMode, TodaySummary } from '../../shared/attendance';
import type { TimedEvent } from './event-log';
import { wallClockAt } from './time-zone';

/**
 * Today at a glance from today's check-ins and check-outs (oldest first): who is in now (latest
 * event a check-in), and each person's first arrival counted in its local hour. Pure.
 */
export function summariseToday(
  events: readonly TimedEvent[],
  options: { mode: AttendanceMode; timeZone: string; date: string; spoofs: number; unknown: number },
): TodaySummary {
  const latest = new Map<number, TimedEvent>();
  const firstIn = new Map<number, TimedEvent>();
  for (const event of events) {
    if (!event.person) continue;
    latest.set(event.person.id, event);
    if (event.kind === 'check_in' && !firstIn.has(event.person.id)) firstIn.set(event.person.id, event);
  }
  const arrivalsByHour = new Array<number>(24).fill(0);
  for (const event of firstIn.values()) arrivalsByHour[wallClockAt(event.atMs, options.timeZone).hour % 24]++;
  const knowsWhoLeft = options.mode !== 'check_in_only';
  const inNow = [...latest.values()]
    .filter((e) => e.kind === 'check_in')
    .map((e) => ({ person: e.person!, since: (firstIn.get(e.person!.id) ?? e).at }))
    .sort((a, b) => a.person.name.localeCompare(b.person.name));
  return {
    date: options.date,
    inNow,
    knowsWhoLeft,
    arrivalsByHour,
    arrivals: firstIn.size,
    spoofs: options.spoofs,
    unknown: options.unknown,
  };
}
