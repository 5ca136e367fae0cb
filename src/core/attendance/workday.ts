import { addDays, instantOfLocal, localDateOf, parseTime, resolveTimeZone } from './time-zone';

/**
 * A shift's working day opens this long before its start, so early arrivals count for it and a
 * night shift's events after midnight still belong to the day it started (22:00 opens at 16:00
 * and runs to 16:00 the next day).
 */
export const workdayOpensBeforeShiftMs = 6 * 3600_000;

/**
 * Which working day an event belongs to, and when that day's shift starts, per group. Without a
 * shift a working day is the local calendar day. All arithmetic is on real instants, so a day with
 * a daylight-saving change is 23 or 25 hours long and shift starts stay at local wall-clock time.
 */
export class WorkdayCalendar {
  readonly timeZone: string;

  constructor(
    timeZone: string | null | undefined,
    /** Local HH:MM per group name; "" is people without a group. */
    private readonly shiftStarts: Record<string, string> = {},
    /** Local HH:MM per group; at or before the start means the next day (a night shift). */
    private readonly shiftEnds: Record<string, string> = {},
  ) {
    this.timeZone = resolveTimeZone(timeZone);
    for (const time of [...Object.values(shiftStarts), ...Object.values(shiftEnds)]) parseTime(time);
  }

  /** The instant the group's shift ends on a working day, or null without a start or an end. */
  shiftEndInstant(date: string, group: string | null): number | null {
    const start = this.shiftStartOf(group);
    const end = this.shiftEnds[group ?? ''];
    if (start === undefined || end === undefined) return null;
    const [sh, sm] = parseTime(start);
    const [eh, em] = parseTime(end);
    const day = eh * 60 + em <= sh * 60 + sm ? addDays(date, 1) : date;
    return instantOfLocal(day, end, this.timeZone);
  }

  /** The group's shift start (HH:MM), or undefined when it has none. */
  shiftStartOf(group: string | null): string | undefined {
    return this.shiftStarts[group ?? ''];
  }

  /** The instant the group's shift starts on a working day, or null without a shift. */
  shiftStartInstant(date: string, group: string | null): number | null {
    const start = this.shiftStartOf(group);
    return start === undefined ? null : instantOfLocal(date, start, this.timeZone);
  }

  /** The working day (YYYY-MM-DD) an instant belongs to for someone of this group. */
  workdayOf(instant: number, group: string | null): string {
    const calendarDay = localDateOf(instant, this.timeZone);
    const start = this.shiftStartOf(group);
    if (start === undefined) return calendarDay;
    // The day whose window [start - 6 h, next start - 6 h) holds the instant: one of three.
    for (const day of [addDays(calendarDay, 1), calendarDay, addDays(calendarDay, -1)]) {
      if (instant >= instantOfLocal(day, start, this.timeZone) - workdayOpensBeforeShiftMs) return day;
    }
    return addDays(calendarDay, -1);
  }

  /** The instants spanning working days from..to (inclusive) for any group: a safe query range. */
  span(from: string, to: string): { startMs: number; endMs: number } {
    const startMs = instantOfLocal(addDays(from, -1), '00:00', this.timeZone);
    const endMs = instantOfLocal(addDays(to, 2), '00:00', this.timeZone);
    return { startMs, endMs };
  }
}
