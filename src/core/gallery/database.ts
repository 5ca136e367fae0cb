import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
  statfsSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FaceGateError } from '../errors';
import { userDataDir } from '../paths';
import { latestSchemaVersion, migrations, type Migration } from './migrations';
import { readSqliteHeader } from './sqlite-header';

/** 'FGAT': marks a file as FaceGate's (SQLite header offset 68). */
export const facegateApplicationId = 0x46474154;

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** Open an existing file without writing to it (no migration). */
  readonly?: boolean;
  /** Milliseconds to wait for another process's write lock. */
  busyTimeoutMs?: number;
  /** The migrations to apply (tests pass a prefix to build an older schema). */
  migrations?: readonly Migration[];
}

/**
 * The FaceGate database: one SQLite file holding the gallery, the attendance log, the audit log
 * and the settings. Opening it runs pending migrations; a file from a newer FaceGate, a corrupt
 * file or another program's database is refused with a DATABASE error and left untouched.
 */
export class FaceGateDatabase {
  private constructor(
    readonly sqlite: SqliteDatabase,
    /** Absolute path, or ':memory:'. */
    readonly file: string,
  ) {}

  static open(file: string, options: OpenDatabaseOptions = {}): FaceGateDatabase {
    const steps = options.migrations ?? migrations;
    const known = steps.length > 0 ? steps[steps.length - 1].version : 0;
    const inMemory = file === ':memory:';
    const absolute = inMemory ? file : path.resolve(file);
    const exists = !inMemory && existsSync(absolute);
    if (exists) checkExistingFile(absolute, known);
    else if (!inMemory) {
      if (options.readonly) {
        throw new FaceGateError('DATABASE', `There is no database at ${absolute}.`);
      }
      try {
        // Faces, names and the PIN hash: the folder FaceGate creates is the user's alone.
        mkdirSync(path.dirname(absolute), { recursive: true, mode: 0o700 });
        // Created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
        closeSync(openSync(absolute, 'a', 0o600));
      } catch (error) {
        throw databaseError(absolute, 'its folder cannot be created', error);
      }
    }
    if (!inMemory && !options.readonly) keepPrivate(absolute);

    let sqlite: SqliteDatabase;
    try {
      sqlite = new Database(absolute, {
        readonly: options.readonly ?? false,
        fileMustExist: exists,
        timeout: options.busyTimeoutMs ?? 5000,
      });
    } catch (error) {
      throw asUnavailable(error, absolute) ?? databaseError(absolute, 'it cannot be opened', error);
    }
    const database = new FaceGateDatabase(sqlite, absolute);
    try {
      database.inspect(known);
      if (!options.readonly) database.prepare(steps);
    } catch (error) {
      sqlite.close();
      if (error instanceof FaceGateError) throw error;
      throw asUnavailable(error, absolute) ?? databaseError(absolute, 'it is corrupt or unreadable', error);
    }
    return database;
  }

  get schemaVersion(): number {
    return this.sqlite.pragma('user_version', { simple: true }) as number;
  }

  /**
   * How long a write waits for another program's lock (0: fail at once with a DATABASE error).
   * better-sqlite3 waits synchronously, blocking the whole thread: the serving process uses 0
   * and keeps what it could not write (pending-writes.ts), so the door never waits.
   */
  setBusyTimeout(ms: number): void {
    this.sqlite.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  }

  /**
   * Whether a write could be made now, found without writing anything: 'read-only' (the
   * connection, the file or its folder), 'full' (under 256 KiB free), 'locked' (another program
   * holds the write lock), else 'writable'.
   */
  writeState(): 'writable' | 'read-only' | 'locked' | 'full' {
    if (this.file === ':memory:') return 'writable';
    if (this.sqlite.readonly) return 'read-only';
    const folder = folderProblem(this.file);
    if (folder === 'SQLITE_READONLY') return 'read-only';
    try {
      accessSync(this.file, constants.W_OK);
    } catch {
      return 'read-only';
    }
    if (folder === 'SQLITE_FULL') return 'full';
    try {
      // Takes the write lock for a moment, with no wait, and changes nothing.
      this.sqlite.exec('BEGIN IMMEDIATE');
      this.sqlite.exec('ROLLBACK');
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
      if (code.startsWith('SQLITE_READONLY')) return 'read-only';
    }
    return 'writable';
  }

  /** Runs fn in one write transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  /**
   * Copies the write-ahead log into the main file and truncates the log to zero bytes, so that
   * deleted rows' old pages survive in neither. Returns false when another connection kept the
   * log busy.
   */
  checkpoint(): boolean {
    const [result] = this.sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return result === undefined || result.busy === 0;
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }

  /** Reads (never writes) enough to refuse a foreign, newer or corrupt database. */
  private inspect(known: number): void {
    const version = this.sqlite.pragma('user_version', { simple: true }) as number;
    const applicationId = this.sqlite.pragma('application_id', { simple: true }) as number;
    const tables = this.sqlite
      .prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`)
      .get() as { n: number };
    if (applicationId !== 0 && applicationId !== facegateApplicationId) {
      throw new FaceGateError(
        'DATABASE',
        `${this.file} belongs to another program (application id ${applicationId}); it was left untouched. ` +
          'Point --db or FACEGATE_DB at a FaceGate database or at a new file.',
      );
    }
    if (version === 0 && tables.n > 0) {
      throw new FaceGateError(
        'DATABASE',
        `${this.file} is an SQLite database but not a FaceGate one (it has tables and no schema version); ` +
          'it was left untouched. Point --db or FACEGATE_DB at a FaceGate database or at a new file.',
      );
    }
    if (version > known) throw newerVersionError(this.file, version, known);
  }

  private prepare(steps: readonly Migration[]): void {
    const db = this.sqlite;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Deleted content is overwritten with zeros, so an erased person's bytes do not linger.
    db.pragma('secure_delete = ON');
    const version = this.schemaVersion;
    const pending = steps.filter((step) => step.version > version);
    if (pending.length > 0) {
      // Table rebuilds must not cascade deletes; foreign keys are checked after each step.
      db.pragma('foreign_keys = OFF');
      for (const step of pending) {
        db.transaction(() => {
          db.exec(step.sql);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) {
            throw new FaceGateError(
              'DATABASE',
              `Migrating ${this.file} to schema version ${step.version} (${step.description}) left ` +
                `${broken.length} broken reference(s); nothing was changed. Restore a backup or report this.`,
            );
          }
          db.pragma(`application_id = ${facegateApplicationId}`);
          db.pragma(`user_version = ${step.version}`);
        }).immediate();
      }
    }
    db.pragma('foreign_keys = ON');
  }
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): FaceGateDatabase {
  return FaceGateDatabase.open(file, options);
}

export { latestSchemaVersion };

/**
 * The database, its -wal and -shm files readable by the user alone (0600), and the user data
 * folder 0700 (files from older versions were 0644 in a 0755 folder). Best effort: a file
 * this user does not own keeps its mode. Windows and macOS: docs/gallery.md, "Private files".
 */
function keepPrivate(file: string): void {
  if (process.platform === 'win32') return;
  const folder = path.dirname(file);
  const tighten = (target: string, mode: number) => {
    try {
      if ((statSync(target).mode & 0o777 & ~mode) !== 0) chmodSync(target, mode);
    } catch {
      // Missing, or not ours to change.
    }
  };
  if (folder === userDataDir()) tighten(folder, 0o700);
  for (const target of [file, `${file}-wal`, `${file}-shm`]) tighten(target, 0o600);
}

function checkExistingFile(file: string, known: number): void {
  let header;
  try {
    if (statSync(file).isDirectory()) {
      throw new FaceGateError('DATABASE', `${file} is a folder, not a database file.`);
    }
    header = readSqliteHeader(file);
  } catch (error) {
    if (error instanceof FaceGateError) throw error;
    throw databaseError(file, (error as Error).message, error);
  }
  if (header && header.userVersion > known) throw newerVersionError(file, header.userVersion, known);
}

function newerVersionError(file: string, version: number, known: number): FaceGateError {
  return new FaceGateError(
    'DATABASE',
    `${file} was written by a newer FaceGate (schema version ${version}; this one knows up to ${known}). ` +
      'It was left untouched: update FaceGate to open it.',
    { details: { file, version, known } },
  );
}

/** SQLite result codes that mean the file (not the caller) is the problem. */
const fileProblems: Record<string, string> = {
  SQLITE_CORRUPT: 'it is corrupt',
  SQLITE_NOTADB: 'it is not a database',
  SQLITE_IOERR: 'it cannot be read or written (disk error)',
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'it is read-only',
  SQLITE_CANTOPEN: 'it cannot be opened',
  SQLITE_BUSY: 'another program keeps it locked',
  SQLITE_LOCKED: 'another program keeps it locked',
  SQLITE_PERM: 'access to it is denied',
};

/** A problem of the moment (locked, full, read-only) as its DATABASE error; undefined for anything else. */
function asUnavailable(error: unknown, file: string): FaceGateError | undefined {
  const mapped = asDatabaseError(error, file);
  return mapped instanceof FaceGateError && (mapped.details as { sqlite?: string } | undefined)?.sqlite
    ? mapped
    : undefined;
}

/** Problems of the moment (the file is fine): what happened and what to do. */
const writeProblems: Record<string, string> = {
  SQLITE_BUSY:
    'another program keeps it locked (a backup tool, an SQLite browser, a second FaceGate). Nothing was changed; try again when it lets go.',
  SQLITE_LOCKED:
    'another program keeps it locked (a backup tool, an SQLite browser, a second FaceGate). Nothing was changed; try again when it lets go.',
  SQLITE_FULL: 'the disk is full. Nothing was changed and nothing is lost; free some space, then try again.',
  SQLITE_READONLY:
    'it is read-only (its permissions, its folder, or a read-only disk). Nothing was changed; make the file, its -wal/-shm files and its folder writable by this user.',
  SQLITE_PERM:
    'access to it is denied. Nothing was changed; make the file, its -wal/-shm files and its folder writable by this user.',
};

/**
 * Turns an SQLite error about the file (corruption found mid-query, a full disk, a lock held too
 * long) into a DATABASE error naming the file; other errors pass through unchanged.
 */
export function asDatabaseError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof FaceGateError || typeof code !== 'string') return error;
  let base = Object.keys(fileProblems).find((known) => code === known || code.startsWith(`${known}_`));
  if (!base) return error;
  // SQLite reports a failed write or a -shm/-wal it could not create as an I/O error or "cannot
  // open": look at the folder to say what it really is (a full disk, a read-only one).
  if (base === 'SQLITE_IOERR' || base === 'SQLITE_CANTOPEN') base = folderProblem(file) ?? base;
  const advice = writeProblems[base];
  if (advice) {
    return new FaceGateError('DATABASE', `The database ${file} cannot be written now: ${advice}`, {
      cause: error,
      details: { file, sqlite: code },
    });
  }
  return databaseError(file, fileProblems[base], error);
}

/** SQLITE_FULL when the database's disk has (almost) no space left, SQLITE_READONLY when it is read-only. */
function folderProblem(file: string): string | undefined {
  if (file === ':memory:') return undefined;
  const folder = path.dirname(file);
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'SQLITE_READONLY';
  }
  try {
    const space = statfsSync(folder);
    if (space.bavail * space.bsize < 256 * 1024) return 'SQLITE_FULL';
  } catch {
    // No answer about the space: leave the error as SQLite gave it.
  }
  return undefined;
}

/** A DATABASE error for a file that cannot be used, naming the file and what to do. */
export function databaseError(file: string, problem: string, cause?: unknown): FaceGateError {
  const sqliteMessage =
    cause instanceof Error && !(cause instanceof FaceGateError) ? ` (${cause.message})` : '';
  return new FaceGateError(
    'DATABASE',
    `The database ${file} cannot be used: ${problem}${sqliteMessage}. It was left untouched; ` +
      'restore it from a backup, or move it away to start a new one.',
    { cause, details: { file } },
  );
}
