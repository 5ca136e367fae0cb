import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { EventSnapshots } from '../../../src/core/attendance/snapshots';
import { openDatabase, type FaceGateDatabase } from '../../../src/core/gallery/database';
import { PeopleRepository } from '../../../src/core/gallery/people-repository';

const day = 86_400_000;

describe('event snapshots', () => {
  let dir: string;
  let db: FaceGateDatabase;
  let attendance: Attendance;
  const now = Date.UTC(2026, 11, 7, 9);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-snapshots-'));
    db = openDatabase(path.join(dir, 'facegate.db'));
    attendance = new Attendance(db, { debounceMinutes: 0, anonymousDebounceSeconds: 0 });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const face = () => {
    const width = 112;
    const height = 112;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i += 3) data.set([(i / 3) % 256, 80, 160], i);
    return { width, height, data };
  };

  const event = (personId: number | null, at: number) => {
    const outcome = attendance.record({ outcome: personId ? 'recognised' : 'unknown', personId, at });
    if (!outcome.recorded) throw new Error('not recorded');
    return { id: outcome.event.id, personId, at };
  };

  it('encodes off the call, keeps strangers only when asked, erases past the retention', async () => {
    const snapshots = new EventSnapshots(
      db,
      () => {},
      () => now,
    );
    const person = new PeopleRepository(db).create({ name: 'Ada' }, now);
    const known = event(person.id, now - 3 * day);
    const stranger = event(null, now);
    snapshots.capture(face(), known, { keepDays: 30, strangers: false });
    snapshots.capture(face(), stranger, {
      keepDays: 30,
      strangers: false,
    });
    // Nothing is written before the call returns ...
    expect(snapshots.get(known.id)).toBeNull();
    await snapshots.settled();
    // ... and the person's face is kept afterwards, the stranger's not.
    const jpeg = snapshots.get(known.id)!;
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
    expect(snapshots.having([known.id, stranger.id])).toEqual([known.id]);
    snapshots.capture(face(), stranger, { keepDays: 30, strangers: true });
    await snapshots.settled();
    expect(snapshots.having([known.id, stranger.id]).sort()).toEqual([known.id, stranger.id].sort());
    expect(snapshots.purgeExpired(2, now)).toBe(1);
    expect(snapshots.having([known.id, stranger.id])).toEqual([stranger.id]);
    expect(snapshots.purgeExpired(0, now)).toBe(1);
    expect(snapshots.having([stranger.id])).toEqual([]);
  });

  it('keeps nothing when the event or the person is gone by the time it is stored', async () => {
    const lines: string[] = [];
    const snapshots = new EventSnapshots(
      db,
      (l) => lines.push(l),
      () => now,
    );
    const stranger = event(null, now);
    db.sqlite.prepare('DELETE FROM attendance_events WHERE id = ?').run(stranger.id);
    snapshots.capture(face(), stranger, { keepDays: 30, strangers: true });
    await snapshots.settled();
    expect(snapshots.get(stranger.id)).toBeNull();
    expect(lines.join('\n')).toMatch(/not kept/);
  });
});
