import type { AuditAction, AuditEntry } from '../../shared/attendance';
import type { FaceGateDatabase } from './database';

export interface AuditRecord {
  action: AuditAction;
  /** Who did it: 'admin', 'cli', a device name. */
  actor: string;
  /** The person concerned: the entry is redacted when that person is erased. */
  personId?: number | null;
  /** What it was about when not a person, e.g. 'setting:attendance', 'door'. */
  target?: string | null;
  /** What changed (before/after values, counts). */
  details?: Record<string, unknown>;
  at?: number;
}

export interface AuditQuery {
  fromMs?: number;
  toMs?: number;
  personId?: number;
  actions?: AuditAction[];
  order?: 'newest' | 'oldest';
  limit?: number;
  offset?: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: AuditAction;
  target: string | null;
  details: string;
}

/** Every admin change, with time and what changed. Append-only except for erasure's redaction. */
export class AuditLog {
  constructor(private readonly db: FaceGateDatabase) {}

  record(entry: AuditRecord): number {
    const personId = entry.personId ?? null;
    const target = entry.target ?? (personId !== null ? `person:${personId}` : null);
    const result = this.db.sqlite
      .prepare(
        'INSERT INTO audit_log (at, actor, action, target, person_id, details) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.at ?? Date.now(),
        entry.actor,
        entry.action,
        target,
        personId,
        JSON.stringify(entry.details ?? {}),
      );
    return Number(result.lastInsertRowid);
  }

  list(query: AuditQuery = {}): { entries: AuditEntry[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.fromMs !== undefined) {
      where.push('at >= ?');
      params.push(query.fromMs);
    }
    if (query.toMs !== undefined) {
      where.push('at < ?');
      params.push(query.toMs);
    }
    if (query.personId !== undefined) {
      where.push('person_id = ?');
      params.push(query.personId);
    }
    if (query.actions?.length) {
      where.push(`action IN (${query.actions.map(() => '?').join(', ')})`);
      params.push(...query.actions);
    }
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const direction = query.order === 'oldest' ? 'ASC' : 'DESC';
    const rows = this.db.sqlite
      .prepare(
        `SELECT id, at, actor, action, target, details FROM audit_log${filter}
         ORDER BY at ${direction}, id ${direction} LIMIT ? OFFSET ?`,
      )
      .all(...params, query.limit ?? 10_000, query.offset ?? 0) as AuditRow[];
    const { n } = this.db.sqlite.prepare(`SELECT count(*) AS n FROM audit_log${filter}`).get(...params) as {
      n: number;
    };
    return {
      total: n,
      entries: rows.map((row) => ({
        id: row.id,
        at: new Date(row.at).toISOString(),
        action: row.action,
        target: row.target,
        actor: row.actor,
        details: JSON.parse(row.details) as Record<string, unknown>,
      })),
    };
  }

  /**
   * Erasure: entries about the person keep their time, actor and action, but what they said
   * (names, codes, notes) is replaced by {"redacted": true}.
   */
  redactPerson(personId: number): number {
    return this.db.sqlite
      .prepare(`UPDATE audit_log SET details = '{"redacted":true}' WHERE person_id = ?`)
      .run(personId).changes;
  }
}
