import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import type { AttendanceEvent } from '../../../src/shared/attendance';
import { Gallery } from '../../../src/core/gallery/gallery';

/** Access events seen while another connection holds the write lock are kept, then written once. */

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('events the database cannot take now', () => {
  it('keeps a sighting and a manual open while locked, writes both once when the lock goes', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-pending-events-'));
    temps.push(dir);
    const gallery = Gallery.open(path.join(dir, 'facegate.db'));
    const person = gallery.people.create({ name: 'Ada' });
    gallery.db.setBusyTimeout(0);
    const attendance = new Attendance(gallery.db);
    const written: AttendanceEvent[] = [];
    const journal = attendance.keepPendingWrites((event) => written.push(event));

    const other = new Database(gallery.db.file);
    other.exec('BEGIN IMMEDIATE');
    other.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('x', '1', 0)`).run();
    const at = Date.now();
    expect(attendance.record({ outcome: 'recognised', personId: person.id, at, doorOpened: true })).toEqual({
      recorded: false,
      reason: 'pending',
    });
    expect(attendance.manualOpen({ actor: 'admin', seconds: 2, at: at + 1 })).toBeNull();
    expect(attendance.pendingWrites).toBe(2);
    expect(() => journal.flush()).toThrow();
    expect(attendance.pendingWrites).toBe(2);

    other.exec('COMMIT');
    other.close();
    expect(journal.flush()).toBe(2);
    expect(journal.flush()).toBe(0);
    expect(attendance.pendingWrites).toBe(0);
    expect(written.map((e) => e.kind)).toEqual(['check_in', 'manual_open']);
    const { events } = attendance.events({ order: 'oldest' });
    expect(events.map((e) => [e.kind, Date.parse(e.at)])).toEqual([
      ['check_in', at],
      ['manual_open', at + 1],
    ]);
    gallery.close();
  });
});
