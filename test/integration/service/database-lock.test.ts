import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { PendingWrites, pendingWritesPath } from '../../../src/core/gallery/pending-writes';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';
import { startService, type Harness } from './service-harness';
import { skipWithout } from '../../helpers/fixtures';

/**
 * Another program holds the database's write lock for 9 s (a backup tool, an SQLite browser).
 * The door must not wait for it: a 1 s pulse stays 1 s at the board, door.open says what the door
 * did, other calls answer at once, and the manual_open event is written once the lock is gone,
 * exactly once.
 */

const now = () => performance.timeOrigin + performance.now();

/** A second process that takes the write lock, says "locked", and keeps it for `ms`. */
function holdWriteLock(file: string, ms: number) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('test.lock', '1', 0) ON CONFLICT(key) DO UPDATE SET value = '2'").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const said = (text: string) =>
    new Promise<number>((resolve) => {
      const check = () => {
        if (out.includes(text)) {
          child.stdout.off('data', onData);
          resolve(now());
        }
      };
      const onData = (d: Buffer) => {
        out += d.toString();
        check();
      };
      child.stdout.on('data', onData);
      check();
    });
  const exited = new Promise((resolve) => child.on('close', resolve));
  return { said, exited };
}

describe.skipIf(skipWithout('socat', hasSocat))('a database locked by another program for 9 s', () => {
  let h: Harness;
  let board: RelayBoardSimulator;

  beforeAll(async () => {
    h = await startService();
    const pty = await createPtyPair();
    board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
    await h.call('settings.set', {
      patch: { door: { enabled: true, pulseSeconds: 3, relay: { driver: 'lcus', port: pty.devicePath } } },
    });
    await board.waitForCommand((c) => !c.energise);
  });
  afterAll(async () => {
    await h?.close();
    await board?.close();
    await disposeAllPtyPairs();
  });

  it('does not lengthen a 1 s pulse, freezes no call, and writes the event once afterwards', async () => {
    const before = (await h.call('events.query', {})).total;
    const locker = holdWriteLock(h.databasePath, 9000);
    await locker.said('locked');

    const asked = now();
    const result = await h.call('door.open', { seconds: 1 });
    const answered = now();
    expect(result.opened).toBe(true);
    expect(result.message).toMatch(/kept and written when it is back/);
    expect(answered - asked).toBeLessThan(500);

    // Other calls answer while the lock is held.
    const t0 = now();
    await h.call('door.status');
    await h.call('people.list', {});
    expect(now() - t0).toBeLessThan(500);
    // The status page says why, and that an event waits.
    const status = await h.call('status.get');
    expect(status.database.state).toBe('locked');
    expect(status.database.pendingWrites).toBe(1);

    const on = await board.waitForCommand((c) => c.energise && c.at >= asked - 50);
    const off = await board.waitForCommand((c) => !c.energise && c.at > on.at, { timeoutMs: 3000 });
    expect(off.at - on.at).toBeGreaterThanOrEqual(950);
    expect(off.at - on.at).toBeLessThan(1300);

    // Kept durably while the lock is held: the journal is on disk, the event not yet in the log.
    expect(existsSync(pendingWritesPath(h.databasePath))).toBe(true);
    expect((await h.call('events.query', {})).total).toBe(before);

    const released = await locker.said('released');
    await locker.exited;
    const recorded = await h.next('attendance.recorded', (e) => e.kind === 'manual_open', {
      timeoutMs: 5000,
    });
    expect(recorded.kind).toBe('manual_open');
    expect(Date.parse(recorded.at)).toBeLessThan(released);
    // Written once, and only once, however many retries follow.
    await new Promise((r) => setTimeout(r, 2500));
    const { events } = await h.call('events.query', {});
    expect(events.filter((e) => e.kind === 'manual_open')).toHaveLength(1);
    expect(existsSync(pendingWritesPath(h.databasePath))).toBe(false);
  }, 30_000);

  it('a database error of the moment is a DATABASE error, never INTERNAL', async () => {
    const locker = holdWriteLock(h.databasePath, 2000);
    await locker.said('locked');
    await expect(h.call('people.create', { name: 'Ada' })).rejects.toMatchObject({
      code: 'DATABASE',
      message: expect.stringMatching(/another program keeps it locked.*Nothing was changed/),
    });
    await locker.exited;
    expect((await h.call('people.create', { name: 'Ada' })).id).toBeGreaterThan(0);
  });
});

describe('the pending-writes journal', () => {
  it('applies each kept write once, even when the process died between the commit and the cleanup', async () => {
    const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-pending-'));
    try {
      const db = FaceGateDatabase.open(path.join(dir, 'facegate.db'));
      db.sqlite.exec('CREATE TABLE t (v INTEGER)');
      const apply = (entry: { payload: unknown }) =>
        void db.sqlite.prepare('INSERT INTO t (v) VALUES (?)').run(entry.payload as number);
      const journal = new PendingWrites(db, apply);
      journal.add('n', 1);
      journal.add('n', 2);
      expect(journal.count).toBe(2);
      const copy = path.join(dir, 'journal-before-commit');
      copyFileSync(journal.file, copy);
      expect(journal.flush()).toBe(2);
      // A crash after the commit but before the file was removed: the same file is found again.
      copyFileSync(copy, journal.file);
      const again = new PendingWrites(db, apply);
      expect(again.count).toBe(0);
      expect(again.flush()).toBe(0);
      // A write kept later in the same file still goes in.
      again.add('n', 3);
      expect(again.flush()).toBe(1);
      const rows = db.sqlite.prepare('SELECT v FROM t ORDER BY v').pluck().all();
      expect(rows).toEqual([1, 2, 3]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
