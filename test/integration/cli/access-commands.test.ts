import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { instantOfLocal } from '../../../src/core/attendance/time-zone';
import { repoRoot } from '../../helpers/paths';

/** CLI parity for the access rules and accounts (docs/access.md), on a real database file. */
const bin = path.join(repoRoot, 'bin/facegate.js');

describe('facegate groups, schedules, accounts, people edit --valid-until', () => {
  let dir: string;
  let db: string;
  let personId: number;
  const run = (args: string[], stdin = '') => {
    const res = spawnSync(process.execPath, [bin, ...args, '--db', db], {
      encoding: 'utf8',
      input: stdin,
      timeout: 60_000,
      env: { ...process.env, TZ: 'UTC' },
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-access-cli-'));
    db = path.join(dir, 'facegate.db');
    const gallery = Gallery.open(db);
    personId = gallery.people.create({ name: 'Katy' }).id;
    gallery.settings.set('app.attendance', { timeZone: 'Europe/Berlin' });
    gallery.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds schedules and groups, puts a person in them and checks the rules at a time', () => {
    expect(
      run([
        'schedules',
        'add',
        'Office hours',
        '--window',
        'mon-fri 08:00-12:00',
        '--window',
        'mon-fri 13:00-17:00',
      ]).status,
    ).toBe(0);
    expect(run(['schedules', 'holiday', 'add', '2026-05-01', 'Labour', 'Day']).status).toBe(0);
    expect(run(['groups', 'add', 'Staff', '--schedule', 'Office hours']).status).toBe(0);
    expect(run(['people', 'edit', String(personId), '--access-groups', 'Staff']).status).toBe(0);
    // 09:00 in Berlin on a Monday, in the lunch gap, and on the holiday.
    const check = (at: string) => run(['schedules', 'check', String(personId), '--at', at]).stdout.trim();
    expect(check('2026-05-04T07:00:00Z')).toBe('allowed: group Staff, Office hours schedule');
    expect(check('2026-05-04T10:30:00Z')).toBe('refused: outside the Office hours schedule');
    expect(check('2026-05-01T07:00:00Z')).toBe(
      'refused: closed on the holiday Labour Day (Office hours schedule)',
    );
    const listed = JSON.parse(run(['groups', '--json']).stdout);
    expect(listed.groups[0]).toMatchObject({ name: 'Staff', members: 1, mode: 'face' });
  });

  it('--valid-until DATE lets the pass work all that local day, then says when it expired', () => {
    expect(run(['people', 'edit', String(personId), '--valid-until', '2026-05-03']).status).toBe(0);
    const gallery = Gallery.open(db);
    const row = gallery.db.sqlite.prepare('SELECT valid_until FROM people WHERE id = ?').get(personId) as {
      valid_until: number;
    };
    gallery.close();
    expect(row.valid_until).toBe(instantOfLocal('2026-05-04', '00:00', 'Europe/Berlin'));
    const out = run(['schedules', 'check', String(personId), '--at', '2026-05-04T07:00:00Z']).stdout.trim();
    expect(out).toBe('refused: pass expired on 3 May');
    expect(run(['people', 'edit', String(personId), '--valid-until', 'soon']).status).not.toBe(0);
    expect(run(['people', 'edit', String(personId), '--valid-until', '']).status).toBe(0);
  });

  it('refuses a bad window, and a schedule still in use, with a clear message', () => {
    const bad = run(['schedules', 'add', 'Bad', '--window', 'someday 08:00-09:00']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/'someday' is not a day/);
    const inUse = run(['schedules', 'rm', 'Office hours']);
    expect(inUse.status).not.toBe(0);
    expect(inUse.stderr).toMatch(/used by Staff/);
  });

  it('accounts: no viewer before an administrator; the secret comes from standard input; audited', () => {
    const first = run(['accounts', 'add', 'vera', '--role', 'viewer'], '135792\n');
    expect(first.status).not.toBe(0);
    expect(first.stderr).toMatch(/no administrator yet/);
    expect(run(['admin', 'reset-pin', '--account', 'boss'], '246813\n').status).toBe(0);
    expect(run(['accounts', 'add', 'vera', '--role', 'viewer'], '135792\n').status).toBe(0);
    expect(run(['accounts', 'add', 'weak', '--role', 'viewer'], '12\n').status).not.toBe(0);
    const list = JSON.parse(run(['accounts', '--json']).stdout);
    expect(list.accounts.map((a: { name: string; role: string }) => `${a.name}:${a.role}`)).toEqual([
      'boss:administrator',
      'vera:viewer',
    ]);
    expect(JSON.stringify(list)).not.toContain('135792');
    expect(run(['accounts', 'rm', 'boss']).stderr).toMatch(/last administrator/);
    const gallery = Gallery.open(db);
    const actions = gallery.audit.list().entries.map((e) => e.action);
    gallery.close();
    expect(actions).toEqual(
      expect.arrayContaining(['account.create', 'access.group', 'access.schedule', 'access.person']),
    );
  });
});
