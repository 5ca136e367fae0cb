import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatLocal,
  formatLocalIso,
  instantOfLocal,
  localDateOf,
  offsetMinutesAt,
  resolveTimeZone,
} from '../../../src/core/attendance/time-zone';
import { WorkdayCalendar } from '../../../src/core/attendance/workday';

const berlin = 'Europe/Berlin';
const utc = (iso: string): number => Date.parse(iso);

describe('time zones', () => {
  it('knows Berlin is UTC+1 in winter and UTC+2 in summer', () => {
    expect(offsetMinutesAt(utc('2024-01-15T12:00:00Z'), berlin)).toBe(60);
    expect(offsetMinutesAt(utc('2024-07-15T12:00:00Z'), berlin)).toBe(120);
    expect(offsetMinutesAt(utc('2024-07-15T12:00:00Z'), 'America/New_York')).toBe(-240);
  });

  it('turns local wall-clock times into instants on both sides of a DST change', () => {
    // Spring forward: Sunday 31 March 2024, 02:00 -> 03:00.
    expect(instantOfLocal('2024-03-30', '09:00', berlin)).toBe(utc('2024-03-30T08:00:00Z'));
    expect(instantOfLocal('2024-03-31', '09:00', berlin)).toBe(utc('2024-03-31T07:00:00Z'));
    // 02:30 does not exist that night: it moves forward by the gap, to 03:30 CEST.
    expect(instantOfLocal('2024-03-31', '02:30', berlin)).toBe(utc('2024-03-31T01:30:00Z'));
    // Fall back: Sunday 27 October 2024, 03:00 -> 02:00; 02:30 happens twice, the first is taken.
    expect(instantOfLocal('2024-10-27', '02:30', berlin)).toBe(utc('2024-10-27T00:30:00Z'));
    expect(instantOfLocal('2024-10-27', '09:00', berlin)).toBe(utc('2024-10-27T08:00:00Z'));
  });

  it('gives local dates and spreadsheet-friendly local times', () => {
    expect(localDateOf(utc('2024-03-30T23:30:00Z'), berlin)).toBe('2024-03-31');
    expect(localDateOf(utc('2024-03-30T23:30:00Z'), 'UTC')).toBe('2024-03-30');
    expect(formatLocal(utc('2024-03-31T07:05:09Z'), berlin)).toBe('2024-03-31 09:05:09');
    expect(formatLocal(utc('2024-01-01T00:00:00Z'), 'UTC')).toBe('2024-01-01 00:00:00');
    expect(formatLocalIso(utc('2024-03-31T07:05:00Z'), berlin)).toBe('2024-03-31T09:05:00+02:00');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('refuses an unknown time zone with a usable message', () => {
    expect(() => resolveTimeZone('Mars/Olympus')).toThrow(/IANA name/);
    expect(resolveTimeZone(null)).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});

describe('WorkdayCalendar', () => {
  const calendar = new WorkdayCalendar(berlin, { night: '22:00', office: '09:00' });

  it('puts a night shift after midnight on the day it started', () => {
    expect(calendar.workdayOf(utc('2024-05-10T20:10:00Z'), 'night')).toBe('2024-05-10'); // 22:10 local
    expect(calendar.workdayOf(utc('2024-05-10T22:30:00Z'), 'night')).toBe('2024-05-10'); // 00:30 local, next day
    expect(calendar.workdayOf(utc('2024-05-11T04:00:00Z'), 'night')).toBe('2024-05-10'); // 06:00 local
    expect(calendar.workdayOf(utc('2024-05-11T15:00:00Z'), 'night')).toBe('2024-05-11'); // 17:00 local
  });

  it('uses the calendar day for people without a shift', () => {
    expect(calendar.workdayOf(utc('2024-05-10T22:30:00Z'), null)).toBe('2024-05-11');
    expect(calendar.shiftStartInstant('2024-05-10', null)).toBeNull();
    expect(calendar.shiftStartInstant('2024-03-31', 'office')).toBe(utc('2024-03-31T07:00:00Z'));
  });

  it('refuses a malformed shift start', () => {
    expect(() => new WorkdayCalendar('UTC', { office: '9am' })).toThrow(/HH:MM/);
  });
});
