import {
  attendanceOptionsSchema,
  reportQuerySchema,
  type AttendanceEvent,
  type AttendanceOptions,
  type AttendanceOptionsInput,
  type AttendanceReport,
  type EventQuery,
  type ReportQuery,
  type TodaySummary,
} from '../../shared/attendance';
import { FaceGateError } from '../errors';
import { AuditLog } from '../gallery/audit-log';
import type { FaceGateDatabase } from '../gallery/database';
import { PeopleRepository } from '../gallery/people-repository';
import { isWriteUnavailable, PendingWrites } from '../gallery/pending-writes';
import { parseInput } from '../gallery/validate';
import type { CsvOptions } from '../csv';
import { eventsToCsv, reportToCsv } from './csv-exports';
import { EventLog } from './event-log';
import { AttendanceRecorder, type RecordOutcome, type Sighting } from './recorder';
import { buildReport, type ReportPerson } from './report';
import { addDays, daysBetween, localDateOf, startOfLocalDay } from './time-zone';
import { summariseToday } from './today';
import { WorkdayCalendar } from './workday';

const dayMs = 86_400_000;

export interface ManualOpen {
  actor: string;
  seconds?: number;
  device?: string;
  note?: string | null;
  at?: number;
  doorOpened?: boolean;
}

/**
 * The attendance side of the database: recording sightings by the configured rules, manual door
 * openings, queries, reports, CSV exports and retention. Options are plain values (the app feeds
 * them from its `attendance` settings and calls configure() when they change).
 */
export class Attendance {
  readonly log: EventLog;
  private readonly people: PeopleRepository;
  private readonly audit: AuditLog;
  private settings!: AttendanceOptions;
  private calendar!: WorkdayCalendar;
  private recorder!: AttendanceRecorder;
  private pending: PendingWrites | undefined;

  constructor(
    private readonly db: FaceGateDatabase,
    options: AttendanceOptionsInput = {},
  ) {
    this.log = new EventLog(db);
    this.people = new PeopleRepository(db);
    this.audit = new AuditLog(db);
    this.configure(options);
  }

  get options(): AttendanceOptions {
    return this.settings;
  }

  get timeZone(): string {
    return this.calendar.timeZone;
  }

  configure(options: AttendanceOptionsInput): void {
    this.settings = parseInput(attendanceOptionsSchema, options);
    this.calendar = new WorkdayCalendar(
      this.settings.timeZone,
      this.settings.shiftStarts,
      this.settings.shiftEnds,
    );
    this.recorder = new AttendanceRecorder(this.log, this.calendar, this.settings);
  }

  /**
   * Keep writes the database cannot take now (locked by another program, disk full, read-only)
   * in a journal beside it and make them when it takes them again, exactly once
   * (pending-writes.ts). `onWritten` hears each event written late. Returns the journal, whose
   * start() retries.
   */
  keepPendingWrites(onWritten: (event: AttendanceEvent) => void): PendingWrites {
    const replayed: AttendanceEvent[] = [];
    this.pending = new PendingWrites(this.db, (entry) => {
      if (entry.kind === 'manual_open') replayed.push(this.manualOpenNow(entry.payload as ManualOpen));
      else if (entry.kind === 'sighting') {
        const outcome = this.recordNow(entry.payload as Sighting);
        if (outcome.recorded) replayed.push(outcome.event);
      }
    });
    const flush = this.pending.flush.bind(this.pending);
    this.pending.flush = () => {
      replayed.length = 0;
      const count = flush();
      for (const event of replayed.splice(0)) onWritten(event);
      return count;
    };
    return this.pending;
  }

  /** Stop retrying kept writes (before the database closes); they stay in the journal. */
  stopPendingWrites(): void {
    this.pending?.stop();
  }

  /** Writes kept for later (0 without a journal). */
  get pendingWrites(): number {
    return this.pending?.count ?? 0;
  }

  /**
   * Records what the access policy concluded (debounced; the mode picks check-in or check-out).
   * With a journal (keepPendingWrites), a database that cannot take the write now gets it later:
   * the outcome is then `{ recorded: false, reason: 'pending' }`.
   */
  record(sighting: Sighting): RecordOutcome {
    const at = sighting.at ?? Date.now();
    try {
      return this.recordNow({ ...sighting, at });
    } catch (error) {
      if (!this.pending || !isWriteUnavailable(error)) throw error;
      this.pending.add('sighting', { ...sighting, at }, at);
      return { recorded: false, reason: 'pending' };
    }
  }

  private recordNow(sighting: Sighting): RecordOutcome {
    const personId = sighting.personId ?? null;
    const group =
      sighting.group !== undefined
        ? sighting.group
        : personId !== null
          ? (this.people.get(personId)?.group ?? null)
          : null;
    return this.db.transaction(() => this.recorder.record({ ...sighting, group }));
  }

  /**
   * A door opened by hand from the admin screen or the CLI: an event and an audit entry. With a
   * journal (keepPendingWrites), a database that cannot take it now gets it later: null then.
   */
  manualOpen(input: ManualOpen): AttendanceEvent | null {
    const at = input.at ?? Date.now();
    try {
      return this.manualOpenNow({ ...input, at });
    } catch (error) {
      if (!this.pending || !isWriteUnavailable(error)) throw error;
      this.pending.add('manual_open', { ...input, at }, at);
      return null;
    }
  }

  private manualOpenNow(input: ManualOpen): AttendanceEvent {
    return this.db.transaction(() => {
      const at = input.at ?? Date.now();
      const event = this.log.append({
        at,
        kind: 'manual_open',
        doorOpened: input.doorOpened ?? true,
        device: input.device ?? this.settings.deviceName,
        note: input.note ?? null,
      });
      this.audit.record({
        at,
        actor: input.actor,
        action: 'door.manual_open',
        target: 'door',
        details: {
          eventId: event.id,
          seconds: input.seconds ?? null,
          opened: event.doorOpened,
          note: input.note ?? null,
        },
      });
      return event;
    });
  }

  /** Frames that cannot come from a live camera were refused at a kiosk (no person, no door). */
  injection(input: { at?: number; note?: string | null; device?: string }): AttendanceEvent {
    return this.db.transaction(() =>
      this.log.append({
        at: input.at ?? Date.now(),
        kind: 'injection',
        doorOpened: false,
        device: input.device ?? this.settings.deviceName,
        note: input.note ?? null,
      }),
    );
  }

  events(query: EventQuery = {}): { events: AttendanceEvent[]; total: number } {
    return this.log.query(query, this.calendar.timeZone);
  }

  eventsCsv(query: EventQuery = {}, options: CsvOptions = {}): string {
    const { events } = this.log.query(
      { order: 'oldest', limit: 10_000_000, ...query },
      this.calendar.timeZone,
    );
    const codes = new Map<number, string | null>();
    const employeeCode = (id: number) => {
      if (!codes.has(id)) codes.set(id, this.people.get(id)?.employeeCode ?? null);
      return codes.get(id) ?? null;
    };
    return eventsToCsv(events, this.calendar.timeZone, options, employeeCode);
  }

  report(query: ReportQuery): AttendanceReport {
    const q = parseInput(reportQuerySchema, query);
    if (daysBetween(q.from, q.to) < 0) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `The report range ends (${q.to}) before it starts (${q.from}).`,
      );
    }
    const { startMs, endMs } = this.calendar.span(q.from, q.to);
    const events = this.log.attendanceBetween(startMs, endMs, q.personId);
    const people = new Map<number, ReportPerson>();
    for (const event of events) {
      if (!event.person || people.has(event.person.id)) continue;
      const person = this.people.get(event.person.id);
      if (person && (q.group === undefined || person.group === q.group)) people.set(person.id, person);
    }
    return buildReport(events, people, this.calendar, q);
  }

  /** Today at a glance for the admin start page: who is in, arrivals per hour, spoofs and strangers. */
  today(now = Date.now()): TodaySummary {
    const zone = this.calendar.timeZone;
    const date = localDateOf(now, zone);
    const start = startOfLocalDay(date, zone);
    const end = startOfLocalDay(addDays(date, 1), zone);
    const count = (kind: 'spoof' | 'unknown') =>
      this.log.query(
        { from: new Date(start).toISOString(), to: new Date(end).toISOString(), kinds: [kind], limit: 1 },
        zone,
      ).total;
    return summariseToday(this.log.attendanceBetween(start, end), {
      mode: this.settings.mode,
      timeZone: zone,
      date,
      spoofs: count('spoof'),
      unknown: count('unknown'),
    });
  }

  reportCsv(query: ReportQuery, options: CsvOptions = {}): string {
    return reportToCsv(this.report(query), options);
  }

  /** Deletes events older than the retention period (none when it is 0); audited when any go. */
  purgeExpired(now = Date.now(), actor = 'system'): number {
    const days = this.settings.retentionDays;
    if (days <= 0) return 0;
    const cutoff = now - days * dayMs;
    return this.db.transaction(() => {
      const purged = this.log.purgeBefore(cutoff);
      if (purged > 0) {
        this.audit.record({
          at: now,
          actor,
          action: 'events.purge',
          target: 'events',
          details: { purged, retentionDays: days, before: new Date(cutoff).toISOString() },
        });
      }
      return purged;
    });
  }
}
