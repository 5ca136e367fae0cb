import { FaceGateError } from '../errors';

/**
 * Local calendar days and wall-clock times in an IANA time zone, with Intl only (no extra
 * dependency). Instants are epoch milliseconds; days are 'YYYY-MM-DD'; times of day 'HH:MM'.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new FaceGateError(
        'INVALID_INPUT',
        `'${timeZone}' is not a time zone this system knows; use an IANA name such as Europe/Berlin.`,
      );
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The system's IANA time zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** Checks a time zone name; returns it (or the system's when null/undefined). */
export function resolveTimeZone(timeZone: string | null | undefined): string {
  const zone = timeZone ?? systemTimeZone();
  formatter(zone);
  return zone;
}

export function wallClockAt(instant: number, timeZone: string): WallClock {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The zone's offset from UTC at an instant, in minutes (Berlin in summer: 120). */
export function offsetMinutesAt(instant: number, timeZone: string): number {
  const w = wallClockAt(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

export function localDateOf(instant: number, timeZone: string): string {
  const w = wallClockAt(instant, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** 'YYYY-MM-DD HH:MM:SS' in the zone: what a spreadsheet reads as a date and time. */
export function formatLocal(instant: number, timeZone: string): string {
  const w = wallClockAt(instant, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** ISO 8601 with the zone's offset, e.g. 2024-03-31T09:05:00+02:00. */
export function formatLocalIso(instant: number, timeZone: string): string {
  const offset = offsetMinutesAt(instant, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${formatLocal(instant, timeZone).replace(' ', 'T')}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The instant at which the zone's clocks show `time` on `date`. A time skipped by a spring-forward
 * change moves forward by the gap (02:30 becomes 03:30); a time shown twice in autumn is its first
 * occurrence. (Temporal's 'compatible' disambiguation.)
 */
export function instantOfLocal(date: string, time: string, timeZone: string): number {
  const [year, month, day] = parseDate(date);
  const [hour, minute] = parseTime(time);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = offsetMinutesAt(wall - 12 * 3600_000, timeZone);
  const after = offsetMinutesAt(wall + 12 * 3600_000, timeZone);
  const candidates = [before, after]
    .map((offset) => ({ offset, instant: wall - offset * 60_000 }))
    .filter((c) => offsetMinutesAt(c.instant, timeZone) === c.offset)
    .map((c) => c.instant);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before * 60_000;
}

/** The first instant of a local calendar day. */
export function startOfLocalDay(date: string, timeZone: string): number {
  return instantOfLocal(date, '00:00', timeZone);
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Days from a to b (b - a), both 'YYYY-MM-DD'. */
export function daysBetween(a: string, b: string): number {
  const [y1, m1, d1] = parseDate(a);
  const [y2, m2, d2] = parseDate(b);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000);
}

export function parseDate(date: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new FaceGateError('INVALID_INPUT', `'${date}' is not a date; use YYYY-MM-DD.`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new FaceGateError('INVALID_INPUT', `'${date}' is not a calendar date.`);
  }
  return [y, m, d];
}

export function parseTime(time: string): [number, number] {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new FaceGateError('INVALID_INPUT', `'${time}' is not a time of day; use HH:MM (24 h).`);
  return [Number(match[1]), Number(match[2])];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
