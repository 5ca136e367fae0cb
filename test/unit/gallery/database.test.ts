import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { facegateApplicationId, openDatabase } from '../../../src/core/gallery/database';
import { latestSchemaVersion } from '../../../src/core/gallery/migrations';
import { isFaceGateError } from '../../../src/core/errors';
import { embeddingToBlob } from '../../../src/core/gallery/embedding-codec';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The schema as version 1 shipped it, written out here so the test pins that history. */
const schemaV1 = `
  CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    employee_code TEXT UNIQUE,
    group_name TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('camera', 'photo', 'import')),
    quality TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    embedding BLOB NOT NULL,
    crop_jpeg BLOB
  );
  CREATE INDEX templates_person ON templates(person_id);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
  PRAGMA user_version = 1;
`;

function expectDatabaseError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(isFaceGateError(error, 'DATABASE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  expect.unreachable('expected a DATABASE error');
}

/** Bytes and mtime of a file, to prove a refused file was left untouched. */
function fingerprint(file: string): { bytes: Buffer; mtimeMs: number } {
  return { bytes: readFileSync(file), mtimeMs: statSync(file).mtimeMs };
}

function backdate(file: string): void {
  const past = new Date(Date.now() - 3600_000);
  utimesSync(file, past, past);
}

describe('openDatabase', () => {
  it('creates a new database in WAL mode with foreign keys and secure delete on', () => {
    const file = path.join(dir, 'nested', 'facegate.db');
    const db = openDatabase(file);
    expect(db.schemaVersion).toBe(latestSchemaVersion);
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('application_id', { simple: true })).toBe(facegateApplicationId);
    db.close();
    // Opening again runs nothing new and keeps the data.
    const again = openDatabase(file);
    expect(again.schemaVersion).toBe(latestSchemaVersion);
    again.close();
  });

  it('migrates a version 1 database built by hand and keeps every row, embedding and crop', () => {
    const file = path.join(dir, 'v1.db');
    const raw = new Database(file);
    raw.exec(schemaV1);
    const insertPerson = raw.prepare(
      'INSERT INTO people (name, employee_code, group_name, active, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    insertPerson.run('Ada Lovelace', 'E-1', 'office', 1, 'first', 1_700_000_000_000, 1_700_000_000_000);
    insertPerson.run('Alan Turing', null, null, 0, '', 1_700_000_001_000, 1_700_000_002_000);
    const vector = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i));
    const crop = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
    const insertTemplate = raw.prepare(
      'INSERT INTO templates (person_id, model_id, model_sha256, source, quality, created_at, embedding, crop_jpeg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insertTemplate.run(
      1,
      'mobilefacenet',
      'a'.repeat(64),
      'photo',
      '{"sharpness":120}',
      1_700_000_003_000,
      embeddingToBlob(vector),
      crop,
    );
    insertTemplate.run(
      1,
      'mobilefacenet',
      'a'.repeat(64),
      'camera',
      '{}',
      1_700_000_004_000,
      embeddingToBlob(vector),
      null,
    );
    insertTemplate.run(
      2,
      'mobilefacenet',
      'a'.repeat(64),
      'import',
      '{}',
      1_700_000_005_000,
      embeddingToBlob(vector),
      crop,
    );
    raw
      .prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)')
      .run('attendance', '{"mode":"toggle"}', 1);
    raw.close();

    const db = openDatabase(file);
    expect(db.schemaVersion).toBe(latestSchemaVersion);
    const people = db.sqlite
      .prepare('SELECT id, name, employee_code, active, notes FROM people ORDER BY id')
      .all();
    expect(people).toEqual([
      { id: 1, name: 'Ada Lovelace', employee_code: 'E-1', active: 1, notes: 'first' },
      { id: 2, name: 'Alan Turing', employee_code: null, active: 0, notes: '' },
    ]);
    const templates = db.sqlite
      .prepare(
        `SELECT t.id, t.person_id, t.source, t.quality, t.crop_jpeg, e.model_id, e.model_sha256, e.dim, e.vector
         FROM templates t JOIN template_embeddings e ON e.template_id = t.id ORDER BY t.id`,
      )
      .all() as {
      id: number;
      person_id: number;
      crop_jpeg: Buffer | null;
      dim: number;
      vector: Buffer;
      quality: string;
    }[];
    expect(templates.map((t) => [t.id, t.person_id, t.dim])).toEqual([
      [1, 1, 128],
      [2, 1, 128],
      [3, 2, 128],
    ]);
    expect(templates[0].vector.equals(embeddingToBlob(vector))).toBe(true);
    expect(templates[0].crop_jpeg?.equals(crop)).toBe(true);
    expect(templates[1].crop_jpeg).toBeNull();
    expect(JSON.parse(templates[0].quality)).toEqual({ sharpness: 120 });
    expect(db.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get('attendance')).toEqual({
      value: '{"mode":"toggle"}',
    });
    // The rebuilt tables still cascade, and new ids continue after the old ones.
    db.sqlite.prepare('DELETE FROM people WHERE id = 1').run();
    expect(db.sqlite.prepare('SELECT count(*) AS n FROM template_embeddings').get()).toEqual({ n: 1 });
    const next = db.sqlite
      .prepare(`INSERT INTO templates (person_id, source, created_at) VALUES (2, 'photo', 1)`)
      .run().lastInsertRowid;
    expect(Number(next)).toBe(4);
    db.close();
  });

  it('refuses a database from a newer FaceGate and leaves the file untouched', () => {
    const file = path.join(dir, 'newer.db');
    const raw = new Database(file);
    raw.exec(
      `CREATE TABLE people (id INTEGER PRIMARY KEY); PRAGMA user_version = ${latestSchemaVersion + 5};`,
    );
    raw.close();
    backdate(file);
    const before = fingerprint(file);
    expectDatabaseError(() => openDatabase(file), /newer FaceGate.*left untouched/);
    expect(fingerprint(file)).toEqual(before);
  });

  it('refuses a file of garbage bytes and leaves it untouched', () => {
    const file = path.join(dir, 'garbage.db');
    writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    backdate(file);
    const before = fingerprint(file);
    expectDatabaseError(() => openDatabase(file), /not an SQLite database.*untouched/);
    expect(fingerprint(file)).toEqual(before);
  });

  it('refuses a truncated real database and leaves it untouched', () => {
    const file = path.join(dir, 'truncated.db');
    const db = openDatabase(file);
    const insert = db.sqlite.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(`key-${i}`, JSON.stringify('x'.repeat(200)));
    });
    db.checkpoint();
    db.close();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    backdate(file);
    const before = fingerprint(file);
    expectDatabaseError(() => openDatabase(file), /truncated/);
    expect(fingerprint(file)).toEqual(before);
  });

  it("refuses another program's SQLite database without adding tables to it", () => {
    const file = path.join(dir, 'other.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    raw.close();
    backdate(file);
    const before = fingerprint(file);
    expectDatabaseError(() => openDatabase(file), /not a FaceGate one/);
    expect(fingerprint(file)).toEqual(before);
  });

  it('refuses a folder given as the database path', () => {
    expectDatabaseError(() => openDatabase(dir), /folder/);
  });
});
