import type { z } from 'zod';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from './database';

/**
 * The `settings` table: key -> JSON value. The app's validated settings schema lives elsewhere;
 * this is the storage it reads and writes through.
 */
export class SettingsStore {
  constructor(private readonly db: FaceGateDatabase) {}

  /** The stored value, parsed with schema when given; undefined when the key was never set. */
  get<T = unknown>(key: string, schema?: z.ZodType<T>): T | undefined {
    const row = this.db.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    if (!row) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(row.value);
    } catch (error) {
      throw new FaceGateError(
        'DATABASE',
        `The setting '${key}' in ${this.db.file} is not valid JSON; set it again.`,
        { cause: error },
      );
    }
    if (!schema) return value as T;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new FaceGateError(
        'DATABASE',
        `The setting '${key}' in ${this.db.file} is not valid: ${parsed.error.issues[0]?.message}. Set it again.`,
      );
    }
    return parsed.data;
  }

  /** Stores value (JSON-serialisable); returns the previous value. */
  set(key: string, value: unknown, now = Date.now()): unknown {
    if (value === undefined) throw new FaceGateError('INVALID_INPUT', `No value given for setting '${key}'.`);
    const previous = this.get(key);
    this.db.sqlite
      .prepare(
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(key, JSON.stringify(value), now);
    return previous;
  }

  delete(key: string): boolean {
    return this.db.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
  }

  all(): Record<string, unknown> {
    const rows = this.db.sqlite.prepare('SELECT key, value FROM settings ORDER BY key').all() as {
      key: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.key, safeJson(r.value)]));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
