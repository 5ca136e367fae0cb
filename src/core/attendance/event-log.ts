import {
  eventQuerySchema,
  newEventSchema,
  type AttendanceEvent,
  type EventKind,
  type EventQuery,
  type NewEvent,
} from '../../shared/attendance';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from '../gallery/database';
import { parseInput } from '../gallery/validate';
import { addDays, startOfLocalDay } from './time-zone';

interface EventRow {
  id: number;
  at: number;
  person_id: number | null;
  person_name: string | null;
  kind: EventKind;
  similarity: number | null;
  liveness: number | null;
  door_opened: number;
  device: string;
  note: string | null;
}

const selectEvent = `
  SELECT e.id, e.at, e.person_id, p.name AS person_name, e.kind, e.similarity, e.liveness,
         e.door_opened, e.device, e.note
  FROM attendance_events e LEFT JOIN people p ON p.id = e.person_id`;

function toEvent(row: EventRow): AttendanceEvent {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    person: row.person_id === null ? null : { id: row.person_id, name: row.person_name ?? '' },
    kind: row.kind,
    similarity: row.similarity,
    liveness: row.liveness,
    doorOpened: row.door_opened === 1,
    device: row.device,
    note: row.note,
  };
}

/** An event with its instant as epoch ms, for the report and rule code. */
export interface TimedEvent extends AttendanceEvent {
  atMs: number;
}

/** The attendance and access log: what the desk saw, one row per event. */
export class EventLog {
  constructor(private readonly db: FaceGateDatabase) {}

  append(input: NewEvent): AttendanceEvent {
    const event = parseInput(newEventSchema, input);
    const at = toMs(event.at ?? Date.now());
    const result = this.db.sqlite
      .prepare(
        `INSERT INTO attendance_events (at, person_id, kind, similarity, liveness, door_opened, device, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        at,
        event.personId,
        event.kind,
        event.similarity,
        event.liveness,
        event.doorOpened ? 1 : 0,
        event.device,
        event.note,
      );
    return this.require(Number(result.lastInsertRowid));
  }

  get(id: number): AttendanceEvent | undefined {
    const row = this.db.sqlite.prepare(`${selectEvent} WHERE e.id = ?`).get(id) as EventRow | undefined;
    return row ? toEvent(row) : undefined;
  }

  require(id: number): AttendanceEvent {
    const event = this.get(id);
    if (!event) throw new FaceGateError('NOT_FOUND', `There is no event with id ${id}.`);
    return event;
  }

  /**
   * Events matching a filter. `from`/`to` may be instants or local dates in timeZone (a `to` date
   * includes that whole day).
   */
  query(input: EventQuery, timeZone: string): { events: AttendanceEvent[]; total: number } {
    const q = parseInput(eventQuerySchema, input);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.from !== undefined) {
      where.push('e.at >= ?');
      params.push(boundMs(q.from, timeZone, 'from'));
    }
    if (q.to !== undefined) {
      where.push('e.at < ?');
      params.push(boundMs(q.to, timeZone, 'to'));
    }
    if (q.personId !== undefined) {
      where.push('e.person_id = ?');
      params.push(q.personId);
    }
    if (q.kinds?.length) {
      where.push(`e.kind IN (${q.kinds.map(() => '?').join(', ')})`);
      params.push(...q.kinds);
    }
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const direction = q.order === 'oldest' ? 'ASC' : 'DESC';
    const rows = this.db.sqlite
      .prepare(`${selectEvent}${filter} ORDER BY e.at ${direction}, e.id ${direction} LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset) as EventRow[];
    const { n } = this.db.sqlite
      .prepare(`SELECT count(*) AS n FROM attendance_events e${filter}`)
      .get(...params) as {
      n: number;
    };
    return { events: rows.map(toEvent), total: n };
  }

  /** Check-ins and check-outs of people in [startMs, endMs), oldest first (reports). */
  attendanceBetween(startMs: number, endMs: number, personId?: number): TimedEvent[] {
    const rows = this.db.sqlite
      .prepare(
        `${selectEvent} WHERE e.at >= ? AND e.at < ? AND e.person_id IS NOT NULL
           AND e.kind IN ('check_in', 'check_out') ${personId !== undefined ? 'AND e.person_id = ?' : ''}
         ORDER BY e.at, e.id`,
      )
      .all(startMs, endMs, ...(personId !== undefined ? [personId] : [])) as EventRow[];
    return rows.map((row) => ({ ...toEvent(row), atMs: row.at }));
  }

  /** The person's newest event of these kinds, or undefined. */
  latestFor(personId: number, kinds: readonly EventKind[]): TimedEvent | undefined {
    const row = this.db.sqlite
      .prepare(
        `${selectEvent} WHERE e.person_id = ? AND e.kind IN (${kinds.map(() => '?').join(', ')})
         ORDER BY e.at DESC, e.id DESC LIMIT 1`,
      )
      .get(personId, ...kinds) as EventRow | undefined;
    return row ? { ...toEvent(row), atMs: row.at } : undefined;
  }

  /** The newest event of a kind at a device with no person (or this person), or undefined. */
  latestAt(device: string, kind: EventKind, personId: number | null): TimedEvent | undefined {
    const row = this.db.sqlite
      .prepare(
        `${selectEvent} WHERE e.device = ? AND e.kind = ? AND e.person_id IS ?
         ORDER BY e.at DESC, e.id DESC LIMIT 1`,
      )
      .get(device, kind, personId) as EventRow | undefined;
    return row ? { ...toEvent(row), atMs: row.at } : undefined;
  }

  /** Deletes events older than the cutoff; returns how many. */
  purgeBefore(cutoffMs: number): number {
    return this.db.sqlite.prepare('DELETE FROM attendance_events WHERE at < ?').run(cutoffMs).changes;
  }

  deleteForPerson(personId: number): number {
    return this.db.sqlite.prepare('DELETE FROM attendance_events WHERE person_id = ?').run(personId).changes;
  }

  /** Keeps the events (counts, times, door openings) but cuts them from the person. */
  anonymiseForPerson(personId: number): number {
    return this.db.sqlite
      .prepare('UPDATE attendance_events SET person_id = NULL, note = NULL WHERE person_id = ?')
      .run(personId).changes;
  }

  count(): number {
    return (this.db.sqlite.prepare('SELECT count(*) AS n FROM attendance_events').get() as { n: number }).n;
  }
}

function toMs(at: string | number | Date): number {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) throw new FaceGateError('INVALID_INPUT', `'${String(at)}' is not a valid time.`);
  return ms;
}

/** A query bound: an instant as given, or a local date's start (from) or the next day's start (to). */
function boundMs(value: string, timeZone: string, side: 'from' | 'to'): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return startOfLocalDay(side === 'from' ? value : addDays(value, 1), timeZone);
  }
  return toMs(value);
}
