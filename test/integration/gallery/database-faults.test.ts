import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { readSqliteHeader } from '../../../src/core/gallery/sqlite-header';
import { skipWithout } from '../../helpers/fixtures';
import { runCli } from '../../helpers/cli';

/**
 * Faults of the machine, not of the file: an intact database whose newest pages are in its
 * write-ahead log, a full disk, a read-only disk. Each gets a clear error (never "truncated",
 * never INTERNAL, never "move it away"), and everything works again, with every row, once the
 * fault is gone.
 */

let dir: string;

function facegate(args: string[]) {
  return runCli(args, { env: { FACEGATE_DATA_DIR: path.join(dir, 'data') } });
}

function peopleCount(file: string): number {
  const res = facegate(['people', 'list', '--json', '--db', file]);
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return (JSON.parse(res.stdout) as { people: unknown[] }).people.length;
}

function seed(file: string, count: number): Gallery {
  const gallery = Gallery.open(file);
  gallery.db.transaction(() => {
    for (let i = 0; i < count; i++) gallery.people.create({ name: `Person ${i}`, notes: 'n'.repeat(300) });
  });
  return gallery;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-db-faults-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an intact database with a write-ahead log', () => {
  it('is never called truncated when the log holds the pages the main file lacks', () => {
    const file = path.join(dir, 'live.db');
    const gallery = Gallery.open(file);
    gallery.db.sqlite.pragma('wal_autocheckpoint = 0');
    gallery.db.transaction(() => {
      for (let i = 0; i < 300; i++) gallery.people.create({ name: `Person ${i}`, notes: 'n'.repeat(300) });
    });
    // The crash image: main file and log as they are while FaceGate runs (committed pages in the log).
    const copy = path.join(dir, 'crash.db');
    copyFileSync(file, copy);
    copyFileSync(`${file}-wal`, `${copy}-wal`);
    gallery.close();

    // A checkpoint cut short by a full disk: the new page 1 (the header promising the new size)
    // reached the main file, the pages behind it did not. Copy the log's newest page 1 there.
    const pageSize = 4096;
    const wal = openSync(`${copy}-wal`, 'r');
    const frameHeader = Buffer.alloc(24);
    let newestPageOne = -1;
    for (let offset = 32; offset + 24 + pageSize <= statSync(`${copy}-wal`).size; offset += 24 + pageSize) {
      readSync(wal, frameHeader, 0, 24, offset);
      if (frameHeader.readUInt32BE(0) === 1) newestPageOne = offset + 24;
    }
    expect(newestPageOne).toBeGreaterThan(0);
    const pageOne = Buffer.alloc(pageSize);
    readSync(wal, pageOne, 0, pageSize, newestPageOne);
    closeSync(wal);
    const main = openSync(copy, 'r+');
    writeSync(main, pageOne, 0, pageSize, 0);
    closeSync(main);
    const header = readSqliteHeader(copy);
    expect(header!.fileBytes).toBeLessThan((header!.pageCount ?? 0) * pageSize);

    // Without its log the same main file is truncated, and is said to be.
    const alone = path.join(dir, 'alone.db');
    copyFileSync(copy, alone);

    expect(peopleCount(copy)).toBe(300);

    const res = facegate(['people', 'list', '--db', alone]);
    expect(res.status).toBe(65);
    expect(res.stderr).toMatch(/it is truncated/);
  });
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(skipWithout('root (the test mounts a small tmpfs)', isRoot))(
  'a full disk, then a read-only disk (a 3 MiB tmpfs mounted here)',
  () => {
    let mount: string;
    let file: string;

    beforeAll(() => {
      mount = path.join(dir, 'small-disk');
      mkdirSync(mount);
      const res = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount], { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      file = path.join(mount, 'facegate.db');
      seed(file, 50).close();
    });
    afterAll(() => {
      if (mount) spawnSync('umount', [mount]);
    });

    it('says the disk is full, loses nothing, and works again once space returns', () => {
      const filler = path.join(mount, 'filler');
      const fd = openSync(filler, 'w');
      const block = Buffer.alloc(64 * 1024);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const edit = facegate(['people', 'edit', '1', '--notes', 'x'.repeat(20_000), '--db', file]);
      expect(edit.status).toBe(65);
      expect(edit.stderr).toMatch(
        /cannot be written now: the disk is full\. Nothing was changed and nothing is lost/,
      );
      expect(edit.stderr).not.toMatch(/truncated|corrupt|move it away|internal error|at .*\.js:\d+/);

      rmSync(filler);
      const again = facegate(['people', 'edit', '1', '--notes', 'after the disk was freed', '--db', file]);
      expect(again.stderr).toBe('');
      expect(again.status).toBe(0);
      expect(peopleCount(file)).toBe(50);
      const gallery = Gallery.open(file);
      expect(gallery.people.get(1)?.notes).toBe('after the disk was freed');
      gallery.close();
    });

    it('says a read-only disk is read-only, and works again once it is writable', () => {
      expect(spawnSync('mount', ['-o', 'remount,ro', mount]).status).toBe(0);
      try {
        const edit = facegate(['people', 'edit', '1', '--notes', 'read-only', '--db', file]);
        expect(edit.status).toBe(65);
        expect(edit.stderr).toMatch(/cannot be written now: it is read-only/);
        expect(edit.stderr).not.toMatch(/truncated|corrupt|move it away|internal error/);
      } finally {
        expect(spawnSync('mount', ['-o', 'remount,rw', mount]).status).toBe(0);
      }
      expect(peopleCount(file)).toBe(50);
      expect(existsSync(file)).toBe(true);
      writeFileSync(path.join(mount, 'probe'), 'ok');
    });
  },
);
