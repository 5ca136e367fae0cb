import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { PendingWrites } from '../../../src/core/gallery/pending-writes';
import { doorRecordPath, writeDoorRecord } from '../../../src/core/door/relock-record';
import { relaySettingsSchema } from '../../../src/shared/door';
import { skipWithout } from '../../helpers/fixtures';

/** Faces, names and the PIN hash are the user's alone: 0700 folder, 0600 files (POSIX). */

const temps: string[] = [];
const mode = (file: string) => statSync(file).mode & 0o777;
const savedDataDir = process.env.FACEGATE_DATA_DIR;

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-modes-'));
  temps.push(dir);
  return dir;
}

afterEach(() => {
  if (savedDataDir === undefined) delete process.env.FACEGATE_DATA_DIR;
  else process.env.FACEGATE_DATA_DIR = savedDataDir;
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipWithout('POSIX file modes (not Windows)', process.platform !== 'win32'))(
  'private files',
  () => {
    it('creates the data folder 0700 and the database, its WAL and SHM 0600', () => {
      const data = path.join(tempDir(), 'FaceGate');
      process.env.FACEGATE_DATA_DIR = data;
      const file = path.join(data, 'facegate.db');
      const db = FaceGateDatabase.open(file);
      db.sqlite.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('k', '"v"', 0)`).run();
      expect(mode(data)).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f), f).toBe(true);
        expect(mode(f), f).toBe(0o600);
      }
      // The journal of kept writes and the door record beside it, too.
      const journal = new PendingWrites(db, () => {});
      journal.add('n', 1);
      expect(mode(journal.file)).toBe(0o600);
      writeDoorRecord(
        doorRecordPath(file),
        relaySettingsSchema.parse({ driver: 'lcus', port: '/dev/ttyUSB0' }),
      );
      expect(mode(doorRecordPath(file))).toBe(0o600);
      db.close();
    });

    it('tightens a database and data folder left readable by an older version', () => {
      const data = path.join(tempDir(), 'FaceGate');
      mkdirSync(data, { mode: 0o755 });
      chmodSync(data, 0o755);
      process.env.FACEGATE_DATA_DIR = data;
      const file = path.join(data, 'facegate.db');
      FaceGateDatabase.open(file).close();
      chmodSync(file, 0o644);
      chmodSync(data, 0o755);
      FaceGateDatabase.open(file).close();
      expect(mode(file)).toBe(0o600);
      expect(mode(data)).toBe(0o700);
    });

    it('leaves a folder it did not create alone (a --db somewhere else)', () => {
      const shared = tempDir();
      chmodSync(shared, 0o755);
      writeFileSync(path.join(shared, 'other.txt'), 'x');
      FaceGateDatabase.open(path.join(shared, 'facegate.db')).close();
      expect(mode(shared)).toBe(0o755);
      expect(mode(path.join(shared, 'facegate.db'))).toBe(0o600);
    });
  },
);
