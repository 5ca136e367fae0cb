import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from './database';

/**
 * Writes that could not be made now (the database is locked by another program, the disk is
 * full, the file is read-only) are kept here and made when the database takes them again,
 * exactly once.
 *
 * The journal is an append-only file beside the database (`<db>-pending.jsonl`, mode 0600): a
 * header line naming its generation, then one JSON line per write, each fsynced before add()
 * returns. flush() applies the entries not yet applied in one transaction that also records
 * "generation G applied up to line N" in the settings table, then deletes the file. A crash
 * between the commit and the delete leaves a file whose lines the record already covers: the
 * next flush skips them, so nothing is written twice.
 */

export interface PendingEntry<T = unknown> {
  kind: string;
  /** Epoch ms when the write was asked for. */
  at: number;
  payload: T;
}

interface Header {
  generation: string;
}

interface AppliedMark {
  generation: string;
  lines: number;
}

const appliedKey = 'storage.pendingApplied';

/** SQLite codes for a database that cannot take a write now, but may later. */
const retryable = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|PERM)/;

/** The database could not take the write now (locked, full, read-only, an I/O error). */
export function isWriteUnavailable(error: unknown): boolean {
  const code =
    error instanceof FaceGateError
      ? (error.details as { sqlite?: unknown } | undefined)?.sqlite
      : (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && retryable.test(code)) return true;
  const cause = error instanceof FaceGateError ? (error as { cause?: unknown }).cause : undefined;
  const causeCode = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof causeCode === 'string' && retryable.test(causeCode);
}

export function pendingWritesPath(databaseFile: string): string {
  return `${databaseFile}-pending.jsonl`;
}

export type ApplyPending = (entry: PendingEntry) => void;

export class PendingWrites {
  readonly file: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: FaceGateDatabase,
    private readonly apply: ApplyPending,
    options: { file?: string } = {},
  ) {
    this.file = options.file ?? pendingWritesPath(db.file);
  }

  /** Keep a write for later: appended and fsynced before this returns. */
  add(kind: string, payload: unknown, at = Date.now()): void {
    const { lines, endsCleanly } = this.read();
    const fd = openSync(this.file, 'a', 0o600);
    try {
      // A line cut short by a crash mid-append must not swallow this one.
      if (!endsCleanly) writeSync(fd, '\n');
      if (lines === null) writeSync(fd, `${JSON.stringify({ generation: randomUUID() } satisfies Header)}\n`);
      writeSync(fd, `${JSON.stringify({ kind, at, payload } satisfies PendingEntry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes kept for later and not yet applied. */
  get count(): number {
    const { header, lines } = this.read();
    if (!header || !lines) return 0;
    const mark = this.appliedMark();
    const done = mark?.generation === header.generation ? mark.lines : 0;
    return Math.max(0, lines.length - done);
  }

  /**
   * Apply what is pending, in one transaction, exactly once. Returns how many entries were
   * applied; throws (and keeps everything) when the database still cannot take them.
   */
  flush(): number {
    const { header, lines } = this.read();
    if (!header || !lines) return 0;
    let applied = 0;
    this.db.transaction(() => {
      const mark = this.appliedMark();
      const done = mark?.generation === header.generation ? mark.lines : 0;
      for (const line of lines.slice(done)) {
        this.apply(line);
        applied++;
      }
      this.db.sqlite
        .prepare(
          `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(
          appliedKey,
          JSON.stringify({ generation: header.generation, lines: lines.length } satisfies AppliedMark),
          Date.now(),
        );
    });
    rmSync(this.file, { force: true });
    return applied;
  }

  /** Retry flush() every `intervalMs` while something is pending; `onError` hears each failure. */
  start(intervalMs = 1000, onFlushed?: (count: number) => void, onError?: (error: unknown) => void): void {
    this.stop();
    const tick = () => {
      this.timer = undefined;
      if (this.count > 0) {
        try {
          const count = this.flush();
          if (count > 0) onFlushed?.(count);
        } catch (error) {
          onError?.(error);
        }
      }
      this.timer = setTimeout(tick, intervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private appliedMark(): AppliedMark | undefined {
    const row = this.db.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(appliedKey) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as AppliedMark) : undefined;
  }

  /** The header and the complete entry lines (a line cut by a crash mid-append is ignored). */
  private read(): { header: Header | null; lines: PendingEntry[] | null; endsCleanly: boolean } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { header: null, lines: null, endsCleanly: true };
    }
    const endsCleanly = text.length === 0 || text.endsWith('\n');
    const rows = text.split('\n');
    const complete = rows.slice(0, -1);
    const parsed: unknown[] = [];
    for (const row of complete) {
      try {
        parsed.push(JSON.parse(row));
      } catch {
        // A line cut by a crash: skipped (the file only grows, so line numbers stay stable).
      }
    }
    const header = parsed[0] as Header | undefined;
    if (!header?.generation) return { header: null, lines: null, endsCleanly };
    return { header, lines: parsed.slice(1) as PendingEntry[], endsCleanly };
  }
}
