import {
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFaceGateError } from '../../../src/core/errors';
import { asDatabaseError } from '../../../src/core/gallery/database';
import { Gallery } from '../../../src/core/gallery/gallery';
import { latestSchemaVersion } from '../../../src/core/gallery/migrations';
import { runCli } from '../../helpers/cli';

let dir: string;

function facegate(args: string[]) {
  return runCli(args, { env: { FACEGATE_DATA_DIR: path.join(dir, 'data') } });
}

/** A real database with some people, checkpointed into the main file. */
function realDatabase(name: string): string {
  const file = path.join(dir, name);
  const gallery = Gallery.open(file);
  gallery.db.transaction(() => {
    for (let i = 0; i < 300; i++) gallery.people.create({ name: `Person ${i}`, notes: 'n'.repeat(300) });
  });
  gallery.db.checkpoint();
  gallery.close();
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-corrupt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('damaged databases from the command line', () => {
  it('reports pages corrupted inside a valid-looking file as a DATABASE error, without a stack trace', () => {
    const file = realDatabase('inner.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4 * 4096, 0x5a), 0, 4 * 4096, 3 * 4096);
    closeSync(fd);
    const before = readFileSync(file);
    const res = facegate(['people', 'list', '--db', file]);
    expect(res.status).toBe(65);
    expect(res.stderr).toMatch(/cannot be used: it is corrupt/);
    expect(res.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(readFileSync(file).equals(before)).toBe(true);

    // The same mapping for code that talks to SQLite directly (the app's service).
    const gallery = Gallery.open(file);
    try {
      gallery.listPeople();
      expect.unreachable();
    } catch (error) {
      const mapped = asDatabaseError(error, file);
      expect(isFaceGateError(mapped, 'DATABASE')).toBe(true);
    } finally {
      gallery.close();
    }
  });

  it('refuses garbage, a truncated file and a newer schema with exit 65 and leaves them untouched', () => {
    const garbage = path.join(dir, 'garbage.db');
    writeFileSync(
      garbage,
      Buffer.from('this is not a database, just some text that is long enough '.repeat(100)),
    );
    const truncated = realDatabase('truncated.db');
    writeFileSync(truncated, readFileSync(truncated).subarray(0, Math.floor(statSync(truncated).size / 3)));
    const newer = realDatabase('newer.db');
    const bytes = readFileSync(newer);
    bytes.writeUInt32BE(latestSchemaVersion + 1, 60); // the header's user_version
    writeFileSync(newer, bytes);
    for (const [file, message] of [
      [garbage, /not an SQLite database/],
      [truncated, /truncated/],
      [newer, /newer FaceGate/],
    ] as const) {
      const before = readFileSync(file);
      const mtime = statSync(file).mtimeMs;
      const res = facegate(['people', 'list', '--db', file]);
      expect(res.status, file).toBe(65);
      expect(res.stderr).toMatch(message);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(statSync(file).mtimeMs).toBe(mtime);
    }
  });
});
