import type { AttendanceReport, ReportRow, ReportSummary } from '../../shared/attendance';
import type { TimedEvent } from './event-log';
import { daysBetween } from './time-zone';
import type { WorkdayCalendar } from './workday';

export interface ReportPerson {
  id: number;
  name: string;
  employeeCode: string | null;
  group: string | null;
}

/**
 * Per working day and person: first check-in, last check-out, time present and lateness against
 * the group's shift start; then a summary per person over the range.
 *
 * Time present is the sum of check-in to check-out intervals (a second check-in while already in,
 * or a check-out while out, is ignored). A day with no check-out at all (check-in-only mode)
 * counts from the first to the last check-in. Late means at least a full minute after the shift
 * start; minutes are real elapsed minutes, so a night across a clock change counts 7 or 9 hours
 * for a 22:00-06:00 shift.
 */
export function buildReport(
  events: readonly TimedEvent[],
  people: ReadonlyMap<number, ReportPerson>,
  calendar: WorkdayCalendar,
  range: { from: string; to: string },
): AttendanceReport {
  const byDay = new Map<string, { person: ReportPerson; date: string; events: TimedEvent[] }>();
  for (const event of events) {
    if (!event.person) continue;
    const person = people.get(event.person.id);
    if (!person) continue;
    const date = calendar.workdayOf(event.atMs, person.group);
    if (daysBetween(range.from, date) < 0 || daysBetween(date, range.to) < 0) continue;
    const key = `${date}\u0000${person.id}`;
    const entry = byDay.get(key) ?? { person, date, events: [] };
    entry.events.push(event);
    byDay.set(key, entry);
  }

  const rows = [...byDay.values()]
    .map(({ person, date, events: dayEvents }) => dayRow(person, date, dayEvents, calendar))
    .sort(
      (a, b) =>
        a.date.localeCompare(b.date) ||
        a.person.name.localeCompare(b.person.name) ||
        a.person.id - b.person.id,
    );

  const summaries = new Map<number, ReportSummary>();
  for (const row of rows) {
    const person = people.get(row.person.id)!;
    const summary = summaries.get(person.id) ?? {
      person: row.person,
      employeeCode: person.employeeCode,
      group: person.group,
      days: 0,
      presentMinutes: 0,
      lateDays: 0,
      lateMinutes: 0,
      earlyDays: 0,
      earlyMinutes: 0,
    };
    if (row.firstIn) summary.days++;
    summary.presentMinutes += row.presentMinutes;
    if (row.late) summary.lateDays++;
    summary.lateMinutes += row.lateMinutes;
    if (row.leftEarly) summary.earlyDays++;
    summary.earlyMinutes += row.earlyMinutes;
    summaries.set(person.id, summary);
  }
  const summary = [...summaries.values()].sort(
    (a, b) => a.person.name.localeCompare(b.person.name) || a.person.id - b.person.id,
  );
  return { from: range.from, to: range.to, timeZone: calendar.timeZone, rows, summary };
}

function dayRow(
  person: ReportPerson,
  date: string,
  events: TimedEvent[],
  calendar: WorkdayCalendar,
): ReportRow {
  const checkIns = events.filter((e) => e.kind === 'check_in');
  const checkOuts = events.filter((e) => e.kind === 'check_out');
  const firstIn = checkIns[0]?.atMs ?? null;
  const lastOut = checkOuts.length ? checkOuts[checkOuts.length - 1].atMs : null;

  let presentMs = 0;
  if (checkOuts.length === 0) {
    if (firstIn !== null) presentMs = checkIns[checkIns.length - 1].atMs - firstIn;
  } else {
    let openedAt: number | null = null;
    for (const event of events) {
      if (event.kind === 'check_in' && openedAt === null) openedAt = event.atMs;
      else if (event.kind === 'check_out' && openedAt !== null) {
        presentMs += event.atMs - openedAt;
        openedAt = null;
      }
    }
  }

  const shiftStart = calendar.shiftStartInstant(date, person.group);
  const lateMinutes =
    shiftStart !== null && firstIn !== null ? Math.max(0, Math.floor((firstIn - shiftStart) / 60_000)) : 0;
  // Left early: the last check-out before the shift end. Someone still in (last event a check-in)
  // has not left, early or not.
  const shiftEnd = calendar.shiftEndInstant(date, person.group);
  const stillIn = events[events.length - 1]?.kind === 'check_in';
  const earlyMinutes =
    shiftEnd !== null && lastOut !== null && !stillIn
      ? Math.max(0, Math.floor((shiftEnd - lastOut) / 60_000))
      : 0;
  return {
    date,
    person: { id: person.id, name: person.name },
    employeeCode: person.employeeCode,
    group: person.group,
    firstIn: firstIn === null ? null : new Date(firstIn).toISOString(),
    lastOut: lastOut === null ? null : new Date(lastOut).toISOString(),
    presentMinutes: Math.floor(presentMs / 60_000),
    shiftStart: shiftStart === null ? null : new Date(shiftStart).toISOString(),
    late: lateMinutes >= 1,
    lateMinutes,
    shiftEnd: shiftEnd === null ? null : new Date(shiftEnd).toISOString(),
    leftEarly: earlyMinutes >= 1,
    earlyMinutes,
    events: events.length,
  };
}
