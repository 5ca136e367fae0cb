import type { AttendanceEvent, AttendanceReport } from '../../shared/attendance';
import { toCsv, type CsvOptions } from '../csv';
import { formatLocal } from './time-zone';

/** Times go out twice: ISO 8601 UTC (exact, sortable) and local 'YYYY-MM-DD HH:MM:SS' (Excel reads it as a date). */
function local(iso: string | null, timeZone: string): string | null {
  return iso === null ? null : formatLocal(Date.parse(iso), timeZone);
}

export const eventCsvHeader = [
  'id',
  'time_utc',
  'time_local',
  'person_id',
  'person_name',
  'employee_code',
  'kind',
  'similarity',
  'liveness',
  'door_opened',
  'device',
  'note',
] as const;

export function eventsToCsv(
  events: readonly AttendanceEvent[],
  timeZone: string,
  options: CsvOptions = {},
  /** The employee code of a person id (payroll matches rows by it); none: the column stays empty. */
  employeeCode: (personId: number) => string | null = () => null,
): string {
  return toCsv(
    eventCsvHeader,
    events.map((e) => [
      e.id,
      e.at,
      local(e.at, timeZone),
      e.person?.id,
      e.person?.name,
      e.person ? employeeCode(e.person.id) : null,
      e.kind,
      e.similarity === null ? null : round(e.similarity, 4),
      e.liveness === null ? null : round(e.liveness, 4),
      e.doorOpened,
      e.device,
      e.note,
    ]),
    options,
  );
}

export const reportCsvHeader = [
  'date',
  'person_id',
  'person_name',
  'employee_code',
  'group',
  'first_in_utc',
  'first_in_local',
  'last_out_utc',
  'last_out_local',
  'present_minutes',
  'shift_start_local',
  'late',
  'late_minutes',
  'shift_end_local',
  'left_early',
  'early_minutes',
  'events',
] as const;

export function reportToCsv(report: AttendanceReport, options: CsvOptions = {}): string {
  const tz = report.timeZone;
  return toCsv(
    reportCsvHeader,
    report.rows.map((r) => [
      r.date,
      r.person.id,
      r.person.name,
      r.employeeCode,
      r.group,
      r.firstIn,
      local(r.firstIn, tz),
      r.lastOut,
      local(r.lastOut, tz),
      r.presentMinutes,
      local(r.shiftStart, tz),
      r.late,
      r.lateMinutes,
      local(r.shiftEnd, tz),
      r.leftEarly,
      r.earlyMinutes,
      r.events,
    ]),
    options,
  );
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
