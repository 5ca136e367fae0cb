import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { parseCsv } from '../../../src/core/csv';
import { openDatabase, type FaceGateDatabase } from '../../../src/core/gallery/database';
import { PeopleRepository } from '../../../src/core/gallery/people-repository';
import { AuditLog } from '../../../src/core/gallery/audit-log';

const utc = (iso: string): number => Date.parse(iso);
const minutes = (n: number): number => n * 60_000;

let dir: string;
let db: FaceGateDatabase;
let people: PeopleRepository;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-att-'));
  db = openDatabase(path.join(dir, 'facegate.db'));
  people = new PeopleRepository(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recording rules', () => {
  it('debounces the same person within the window and records again after it', () => {
    const ada = people.create({ name: 'Ada' });
    const attendance = new Attendance(db, { mode: 'check_in_only', debounceMinutes: 5, timeZone: 'UTC' });
    const t0 = utc('2024-05-10T08:00:00Z');
    const first = attendance.record({ outcome: 'recognised', personId: ada.id, at: t0, similarity: 0.7 });
    expect(first).toMatchObject({
      recorded: true,
      event: { kind: 'check_in', person: { id: ada.id, name: 'Ada' } },
    });
    const again = attendance.record({ outcome: 'recognised', personId: ada.id, at: t0 + minutes(4) });
    expect(again).toMatchObject({ recorded: false, reason: 'debounced' });
    const later = attendance.record({ outcome: 'recognised', personId: ada.id, at: t0 + minutes(6) });
    expect(later).toMatchObject({ recorded: true, event: { kind: 'check_in' } });
    expect(attendance.events().total).toBe(2);
  });

  it('toggles in, out, in within a working day and starts each day with a check-in', () => {
    const ada = people.create({ name: 'Ada' });
    const attendance = new Attendance(db, { mode: 'toggle', debounceMinutes: 2, timeZone: 'Europe/Berlin' });
    const kinds = [
      '2024-05-10T07:00:00Z',
      '2024-05-10T07:01:00Z',
      '2024-05-10T11:00:00Z',
      '2024-05-10T12:00:00Z',
    ]
      .map((iso) => attendance.record({ outcome: 'recognised', personId: ada.id, at: utc(iso) }))
      .map((r) => (r.recorded ? r.event.kind : 'debounced'));
    expect(kinds).toEqual(['check_in', 'debounced', 'check_out', 'check_in']);
    // Ada forgot to check out on the 10th: the 11th still starts with a check-in.
    attendance.record({ outcome: 'recognised', personId: ada.id, at: utc('2024-05-10T22:30:00Z') }); // 00:30 local on the 11th
    const kindsNextDay = attendance
      .events({ from: '2024-05-11', to: '2024-05-11' })
      .events.map((e) => e.kind);
    expect(kindsNextDay).toEqual(['check_in']);
  });

  it('takes the direction chosen at the kiosk in explicit mode, debouncing only repeats of it', () => {
    const ada = people.create({ name: 'Ada' });
    const attendance = new Attendance(db, { mode: 'explicit', debounceMinutes: 5, timeZone: 'UTC' });
    const t0 = utc('2024-05-10T08:00:00Z');
    expect(
      attendance.record({ outcome: 'recognised', personId: ada.id, at: t0, direction: 'check_in' }),
    ).toMatchObject({ recorded: true });
    expect(
      attendance.record({
        outcome: 'recognised',
        personId: ada.id,
        at: t0 + minutes(1),
        direction: 'check_in',
      }),
    ).toMatchObject({ recorded: false });
    expect(
      attendance.record({
        outcome: 'recognised',
        personId: ada.id,
        at: t0 + minutes(2),
        direction: 'check_out',
      }),
    ).toMatchObject({
      recorded: true,
      event: { kind: 'check_out' },
    });
  });

  it('explicit mode without a press: the default never overrides what the person did lately', () => {
    // The report: in (no press), out (pressed), ten seconds later in again (no press).
    const ada = people.create({ name: 'Ada' });
    const attendance = new Attendance(db, { mode: 'explicit', debounceMinutes: 5, timeZone: 'UTC' });
    const t0 = utc('2024-05-10T08:00:00Z');
    const sight = (at: number, direction?: 'check_in' | 'check_out') =>
      attendance.record({ outcome: 'recognised', personId: ada.id, at, ...(direction ? { direction } : {}) });
    expect(sight(t0)).toMatchObject({ recorded: true, event: { kind: 'check_in' } });
    expect(sight(t0 + 20_000, 'check_out')).toMatchObject({ recorded: true, event: { kind: 'check_out' } });
    expect(sight(t0 + 30_000)).toMatchObject({ recorded: false, reason: 'debounced' });
    // Out first, then standing there unpressed: still nothing within the window.
    const bob = people.create({ name: 'Bob' });
    expect(
      attendance.record({ outcome: 'recognised', personId: bob.id, at: t0, direction: 'check_out' }),
    ).toMatchObject({ recorded: true, event: { kind: 'check_out' } });
    expect(attendance.record({ outcome: 'recognised', personId: bob.id, at: t0 + 10_000 })).toMatchObject({
      recorded: false,
      reason: 'debounced',
    });
    // After the window the default applies again.
    expect(sight(t0 + minutes(6))).toMatchObject({ recorded: true, event: { kind: 'check_in' } });
  });

  it('explicit mode logs the configured default, or nothing, when nobody pressed', () => {
    const ada = people.create({ name: 'Ada' });
    const t0 = utc('2024-05-10T08:00:00Z');
    const none = new Attendance(db, { mode: 'explicit', noChoice: 'none', timeZone: 'UTC' });
    expect(none.record({ outcome: 'recognised', personId: ada.id, at: t0 })).toEqual({
      recorded: false,
      reason: 'no_choice',
    });
    expect(none.events().total).toBe(0);
    // A press still counts.
    expect(
      none.record({ outcome: 'recognised', personId: ada.id, at: t0 + 1000, direction: 'check_in' }),
    ).toMatchObject({ recorded: true, event: { kind: 'check_in' } });
    const out = new Attendance(db, { mode: 'explicit', noChoice: 'check_out', debounceMinutes: 0 });
    expect(out.record({ outcome: 'recognised', personId: ada.id, at: t0 + 2000 })).toMatchObject({
      recorded: true,
      event: { kind: 'check_out' },
    });
  });

  it('logs unknown faces, spoofs and denials, and debounces unknown faces per device', () => {
    const bob = people.create({ name: 'Bob', active: false });
    const attendance = new Attendance(db, { timeZone: 'UTC', anonymousDebounceSeconds: 30 });
    const t0 = utc('2024-05-10T08:00:00Z');
    expect(attendance.record({ outcome: 'unknown', at: t0, similarity: 0.2 })).toMatchObject({
      recorded: true,
      event: { kind: 'unknown', person: null },
    });
    expect(attendance.record({ outcome: 'unknown', at: t0 + 10_000 })).toMatchObject({ recorded: false });
    expect(attendance.record({ outcome: 'unknown', at: t0 + 10_000, device: 'side-door' })).toMatchObject({
      recorded: true,
    });
    expect(
      attendance.record({ outcome: 'spoof', at: t0 + 11_000, personId: bob.id, liveness: 0.1 }),
    ).toMatchObject({
      recorded: true,
      event: { kind: 'spoof', liveness: 0.1, person: { id: bob.id } },
    });
    expect(attendance.record({ outcome: 'denied', personId: bob.id, at: t0 + 12_000 })).toMatchObject({
      recorded: true,
      event: { kind: 'denied' },
    });
    expect(attendance.record({ outcome: 'denied', personId: bob.id, at: t0 + 13_000 })).toMatchObject({
      recorded: false,
    });
  });

  it('records a manual door opening as an event and an audit entry', () => {
    const attendance = new Attendance(db, { timeZone: 'UTC', deviceName: 'lobby' });
    const event = attendance.manualOpen({
      actor: 'admin',
      seconds: 5,
      note: 'courier',
      at: utc('2024-05-10T08:00:00Z'),
    });
    expect(event).toMatchObject({
      kind: 'manual_open',
      doorOpened: true,
      device: 'lobby',
      person: null,
      note: 'courier',
    });
    const { entries } = new AuditLog(db).list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'door.manual_open',
      actor: 'admin',
      target: 'door',
      details: { seconds: 5, eventId: event!.id },
    });
  });

  it('purges events older than the retention period and audits it', () => {
    const attendance = new Attendance(db, {
      timeZone: 'UTC',
      retentionDays: 30,
      anonymousDebounceSeconds: 0,
    });
    const now = utc('2024-06-30T12:00:00Z');
    for (const daysAgo of [40, 31, 29, 1])
      attendance.record({ outcome: 'unknown', at: now - daysAgo * 86_400_000 });
    expect(attendance.purgeExpired(now)).toBe(2);
    expect(attendance.events().total).toBe(2);
    expect(new AuditLog(db).list({ actions: ['events.purge'] }).entries[0].details).toMatchObject({
      purged: 2,
      retentionDays: 30,
    });
    expect(new Attendance(db, { retentionDays: 0 }).purgeExpired(now)).toBe(0);
  });
});

describe('reports', () => {
  it('counts a late arrival after midnight on the night shift it belongs to', () => {
    const nina = people.create({ name: 'Nina', group: 'night' });
    const attendance = new Attendance(db, {
      mode: 'toggle',
      timeZone: 'Europe/Berlin',
      shiftStarts: { night: '22:00' },
    });
    // Shift starts 22:00 local on 10 May; Nina arrives 00:40 local on 11 May and leaves 06:10.
    attendance.record({ outcome: 'recognised', personId: nina.id, at: utc('2024-05-10T22:40:00Z') });
    attendance.record({ outcome: 'recognised', personId: nina.id, at: utc('2024-05-11T04:10:00Z') });
    const report = attendance.report({ from: '2024-05-10', to: '2024-05-11' });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({
      date: '2024-05-10',
      firstIn: '2024-05-10T22:40:00.000Z',
      lastOut: '2024-05-11T04:10:00.000Z',
      shiftStart: '2024-05-10T20:00:00.000Z',
      late: true,
      lateMinutes: 160,
      presentMinutes: 330,
    });
  });

  it('counts leaving early against the group’s shift end (a night shift’s end is the next morning), in the report and the CSV', () => {
    const dan = people.create({ name: 'Dan', group: 'day', employeeCode: 'D-1' });
    const nina = people.create({ name: 'Nina', group: 'night' });
    const attendance = new Attendance(db, {
      mode: 'toggle',
      timeZone: 'UTC',
      shiftStarts: { day: '09:00', night: '22:00' },
      shiftEnds: { day: '17:00', night: '06:00' },
    });
    const sight = (personId: number, iso: string) =>
      attendance.record({ outcome: 'recognised', personId, at: utc(iso) });
    sight(dan.id, '2024-05-10T09:05:00Z');
    sight(dan.id, '2024-05-10T16:30:00Z');
    sight(nina.id, '2024-05-10T21:55:00Z');
    sight(nina.id, '2024-05-11T05:00:00Z');
    const report = attendance.report({ from: '2024-05-10', to: '2024-05-10' });
    const row = (name: string) => report.rows.find((r) => r.person.name === name)!;
    expect(row('Dan')).toMatchObject({ late: true, lateMinutes: 5, leftEarly: true, earlyMinutes: 30 });
    expect(row('Dan').shiftEnd).toBe('2024-05-10T17:00:00.000Z');
    expect(row('Nina')).toMatchObject({ late: false, leftEarly: true, earlyMinutes: 60 });
    expect(row('Nina').shiftEnd).toBe('2024-05-11T06:00:00.000Z');
    expect(report.summary.find((s) => s.person.name === 'Dan')).toMatchObject({
      earlyDays: 1,
      earlyMinutes: 30,
    });
    const [header, ...rows] = parseCsv(attendance.reportCsv({ from: '2024-05-10', to: '2024-05-10' }));
    const danRow = rows.find((r) => r[header.indexOf('person_name')] === 'Dan')!;
    expect(danRow[header.indexOf('employee_code')]).toBe('D-1');
    expect(danRow[header.indexOf('left_early')]).toBe('true');
    expect(danRow[header.indexOf('early_minutes')]).toBe('30');
    expect(danRow[header.indexOf('shift_end_local')]).toBe('2024-05-10 17:00:00');
  });

  it('does not call someone still in "left early", nor anyone without a shift end', () => {
    const dan = people.create({ name: 'Dan', group: 'day' });
    const attendance = new Attendance(db, { mode: 'toggle', timeZone: 'UTC', shiftStarts: { day: '09:00' } });
    attendance.record({ outcome: 'recognised', personId: dan.id, at: utc('2024-05-10T09:00:00Z') });
    attendance.record({ outcome: 'recognised', personId: dan.id, at: utc('2024-05-10T12:00:00Z') });
    const row = attendance.report({ from: '2024-05-10', to: '2024-05-10' }).rows[0];
    expect(row).toMatchObject({ shiftEnd: null, leftEarly: false, earlyMinutes: 0 });
  });

  it('measures lateness and time present in real minutes across both DST changes', () => {
    const ola = people.create({ name: 'Ola', group: 'office' });
    const nils = people.create({ name: 'Nils', group: 'night' });
    const attendance = new Attendance(db, {
      mode: 'toggle',
      timeZone: 'Europe/Berlin',
      shiftStarts: { office: '09:00', night: '22:00' },
    });
    const record = (personId: number, iso: string) =>
      attendance.record({ outcome: 'recognised', personId, at: utc(iso) });
    // Saturday 30 March (UTC+1): 09:05 local is 08:05Z. Sunday 31 March (UTC+2): 09:05 local is 07:05Z.
    record(ola.id, '2024-03-30T08:05:00Z');
    record(ola.id, '2024-03-31T06:55:00Z'); // 08:55 local: on time, though 08:55 "UTC+1" would be late
    record(ola.id, '2024-03-31T07:30:00Z');
    // Night 26->27 October: 22:00 CEST to 06:00 CET is 9 real hours.
    record(nils.id, '2024-10-26T20:00:00Z');
    record(nils.id, '2024-10-27T05:00:00Z');
    const report = attendance.report({ from: '2024-03-30', to: '2024-10-31' });
    const ola30 = report.rows.find((r) => r.person.id === ola.id && r.date === '2024-03-30')!;
    const ola31 = report.rows.find((r) => r.person.id === ola.id && r.date === '2024-03-31')!;
    const nilsNight = report.rows.find((r) => r.person.id === nils.id)!;
    expect(ola30).toMatchObject({ late: true, lateMinutes: 5, shiftStart: '2024-03-30T08:00:00.000Z' });
    expect(ola31).toMatchObject({
      late: false,
      lateMinutes: 0,
      shiftStart: '2024-03-31T07:00:00.000Z',
      presentMinutes: 35,
    });
    expect(nilsNight).toMatchObject({ date: '2024-10-26', late: false, presentMinutes: 9 * 60 });
    const olaSummary = report.summary.find((s) => s.person.id === ola.id)!;
    expect(olaSummary).toMatchObject({ days: 2, lateDays: 1, lateMinutes: 5 });
  });

  it('counts first to last check-in when the mode never checks out, and filters by group', () => {
    const ada = people.create({ name: 'Ada', group: 'office' });
    const bob = people.create({ name: 'Bob', group: 'warehouse' });
    const attendance = new Attendance(db, { mode: 'check_in_only', debounceMinutes: 0, timeZone: 'UTC' });
    attendance.record({ outcome: 'recognised', personId: ada.id, at: utc('2024-05-10T08:00:00Z') });
    attendance.record({ outcome: 'recognised', personId: ada.id, at: utc('2024-05-10T12:30:00Z') });
    attendance.record({ outcome: 'recognised', personId: bob.id, at: utc('2024-05-10T09:00:00Z') });
    const report = attendance.report({ from: '2024-05-10', to: '2024-05-10', group: 'office' });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({
      person: { name: 'Ada' },
      presentMinutes: 270,
      lastOut: null,
      late: false,
    });
    expect(() => attendance.report({ from: '2024-05-11', to: '2024-05-10' })).toThrow(/ends/);
  });
});

describe('CSV export', () => {
  it('round-trips events through CSV with a BOM, quoting and the formula guard', () => {
    const tricky = people.create({ name: '=HYPERLINK("http://x","Zoë, "the" boss")' });
    const plain = people.create({ name: 'Jürgen Müller', employeeCode: 'E-42' });
    const attendance = new Attendance(db, { timeZone: 'Europe/Berlin', debounceMinutes: 0 });
    attendance.record({
      outcome: 'recognised',
      personId: tricky.id,
      at: utc('2024-03-31T07:05:00Z'),
      similarity: 0.71234567,
      doorOpened: true,
    });
    attendance.record({
      outcome: 'recognised',
      personId: plain.id,
      at: utc('2024-03-31T07:06:00Z'),
      similarity: 0.5,
    });
    attendance.manualOpen({ actor: 'admin', note: 'line one\nline two', at: utc('2024-03-31T07:07:00Z') });
    const csv = attendance.eventsCsv({ from: '2024-03-31', to: '2024-03-31' }, { bom: true });
    expect(csv.startsWith('\uFEFFid,time_utc,time_local,')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(csv);
    expect(header[0]).toBe('id');
    expect(rows).toHaveLength(3);
    const byName = (name: string) => rows.find((r) => r[header.indexOf('person_name')] === name)!;
    const first = byName(`'${tricky.name}`);
    expect(first).toBeDefined();
    expect(first[header.indexOf('time_utc')]).toBe('2024-03-31T07:05:00.000Z');
    expect(first[header.indexOf('time_local')]).toBe('2024-03-31 09:05:00');
    expect(first[header.indexOf('similarity')]).toBe('0.7123');
    expect(first[header.indexOf('door_opened')]).toBe('true');
    // The employee code, which payroll matches rows by (empty when the person has none).
    expect(byName('Jürgen Müller')[header.indexOf('employee_code')]).toBe('E-42');
    expect(first[header.indexOf('employee_code')]).toBe('');
    expect(byName('Jürgen Müller')[header.indexOf('kind')]).toBe('check_in');
    expect(rows[2][header.indexOf('note')]).toBe('line one\nline two');
    expect(attendance.eventsCsv({}, { bom: false }).startsWith('id,')).toBe(true);
  });

  it('exports the daily report as CSV with UTC and local times', () => {
    const ada = people.create({ name: 'Ada', group: 'office', employeeCode: '+E1' });
    const attendance = new Attendance(db, {
      mode: 'toggle',
      timeZone: 'Europe/Berlin',
      shiftStarts: { office: '09:00' },
    });
    attendance.record({ outcome: 'recognised', personId: ada.id, at: utc('2024-03-31T07:10:00Z') });
    attendance.record({ outcome: 'recognised', personId: ada.id, at: utc('2024-03-31T15:00:00Z') });
    const [header, row] = parseCsv(attendance.reportCsv({ from: '2024-03-31', to: '2024-03-31' }));
    const get = (column: string) => row[header.indexOf(column)];
    expect(get('date')).toBe('2024-03-31');
    expect(get('employee_code')).toBe("'+E1");
    expect(get('first_in_local')).toBe('2024-03-31 09:10:00');
    expect(get('shift_start_local')).toBe('2024-03-31 09:00:00');
    expect(get('late_minutes')).toBe('10');
    expect(get('present_minutes')).toBe('470');
  });
});
