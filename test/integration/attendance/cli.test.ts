import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { parseCsv } from '../../../src/core/csv';
import { Gallery } from '../../../src/core/gallery/gallery';
import { appSettingsKey } from '../../../src/core/gallery/stored-settings';
import { runCli } from '../../helpers/cli';

let dir: string;
let db: string;
let ada: number;
/** Keeps everything since 1 January 2024, whatever today's date. */
const retentionDays = Math.ceil((Date.now() - Date.parse('2024-01-01T00:00:00Z')) / 86_400_000);

function facegate(...args: string[]) {
  return runCli([...args, '--db', db], { env: { FACEGATE_DATA_DIR: path.join(dir, 'data') } });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-att-cli-'));
  db = path.join(dir, 'facegate.db');
  const gallery = Gallery.open(db);
  // The app's stored settings (one key per section): the CLI reads the same attendance section.
  gallery.settings.set(appSettingsKey('attendance'), {
    mode: 'toggle',
    timeZone: 'Europe/Berlin',
    shiftStarts: { night: '22:00' },
    retentionDays,
  });
  ada = gallery.createPerson({ name: 'Ada Nightly', group: 'night', employeeCode: 'N-1' }, 'test').id;
  const attendance = new Attendance(gallery.db, gallery.settings.get(appSettingsKey('attendance')) ?? {});
  // Night shift from 22:00 on 26 October 2024; clocks go back at 03:00 that night.
  attendance.record({
    outcome: 'recognised',
    personId: ada,
    at: Date.parse('2024-10-26T20:30:00Z'),
    similarity: 0.71,
  });
  attendance.record({
    outcome: 'recognised',
    personId: ada,
    at: Date.parse('2024-10-27T05:00:00Z'),
    similarity: 0.69,
  });
  attendance.record({ outcome: 'unknown', at: Date.parse('2024-10-26T21:00:00Z'), similarity: 0.12 });
  attendance.record({ outcome: 'unknown', at: Date.parse('2023-01-01T12:00:00Z') });
  gallery.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('attendance CLI', () => {
  it('lists events in local time and as JSON with a kind filter', () => {
    const text = facegate('events', '--from', '2024-10-26', '--to', '2024-10-27');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('2024-10-26 22:30:00  check_in    Ada Nightly');
    expect(text.stdout).toContain('3 of 3 event(s), times in Europe/Berlin');
    const json = JSON.parse(facegate('events', '--kind', 'unknown', '--json').stdout) as { total: number };
    expect(json.total).toBe(2);
    const wrong = facegate('events', '--kind', 'teleport');
    expect(wrong.status).toBe(64);
    expect(wrong.stderr).toContain('Unknown event kind');
  });

  it('reports the night shift on the day it started, late and in real minutes across the clock change', () => {
    const res = facegate('report', '--from', '2024-10-26', '--to', '2024-10-27', '--json');
    expect(res.status).toBe(0);
    const report = JSON.parse(res.stdout) as { timeZone: string; rows: Record<string, unknown>[] };
    expect(report.timeZone).toBe('Europe/Berlin');
    expect(report.rows).toEqual([
      expect.objectContaining({
        date: '2024-10-26',
        late: true,
        lateMinutes: 30,
        presentMinutes: 9 * 60 - 30,
        employeeCode: 'N-1',
      }),
    ]);
    const text = facegate('report', '--from', '2024-10-26', '--to', '2024-10-27');
    expect(text.stdout).toMatch(
      /2024-10-26 {2}Ada Nightly .*in 22:30 {2}out 06:00 {2}present 8:30 {2}late 30 min/,
    );
    // --shift overrides the stored start; to stdout as CSV without BOM.
    const csv = facegate(
      'report',
      '--from',
      '2024-10-26',
      '--to',
      '2024-10-26',
      '--shift',
      'night=23:00',
      '--csv',
      '-',
      '--no-bom',
    );
    const [header, row] = parseCsv(csv.stdout);
    expect(row[header.indexOf('late')]).toBe('false');
    expect(facegate('report', '--from', '26.10.2024').status).toBe(64);
  });

  it('shows and edits a person, audited', () => {
    const edit = facegate('people', 'edit', String(ada), '--group', '', '--notes', 'moved to days', '--json');
    expect(edit.status).toBe(0);
    expect(JSON.parse(edit.stdout).person).toMatchObject({ group: null, notes: 'moved to days' });
    const show = facegate('people', 'show', String(ada));
    expect(show.stdout).toContain('Ada Nightly');
    expect(show.stdout).toContain('no face templates');
    const gallery = Gallery.open(db);
    const audit = gallery.audit.list({ personId: ada, actions: ['person.update'] }).entries;
    gallery.close();
    expect(audit[0]).toMatchObject({
      actor: 'cli',
      details: { before: { group: 'night' }, after: { group: null } },
    });
    expect(facegate('people', 'show', '999').status).toBe(65);
  });

  it('purges events older than the stored retention and writes a CSV file', () => {
    const purge = facegate('events', 'purge', '--json');
    expect(JSON.parse(purge.stdout)).toEqual({ purged: 1, retentionDays });
    const file = path.join(dir, 'events.csv');
    expect(facegate('events', '--csv', file).status).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    expect(header[0]).toBe('id');
    expect(rows).toHaveLength(3);
  });
});
