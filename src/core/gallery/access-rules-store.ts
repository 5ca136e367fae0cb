import { z } from 'zod';
import {
  accessGroupInputSchema,
  holidayInputSchema,
  scheduleInputSchema,
  scheduleWindowSchema,
  type AccessGroup,
  type CredentialMode,
  type Holiday,
  type PersonAccess,
  type Schedule,
} from '../../shared/access-rules';
import type { RuleContext, RuleFacts, RuleGroup, RuleSchedule } from '../access/rules';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from './database';
import { isoFromMs } from './time';
import { parseInput } from './validate';

interface GroupRow {
  id: number;
  name: string;
  doors: string;
  schedule_id: number | null;
  mode: CredentialMode;
  members: number;
}

const doorsSchema = z.union([z.literal('all'), z.array(z.string())]);
const windowsSchema = z.array(scheduleWindowSchema);

function parseStored<T>(schema: z.ZodType<T>, text: string, what: string): T {
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new FaceGateError(
      'DATABASE',
      `The stored ${what} is damaged; save it again from the admin screen.`,
    );
  }
}

function toGroup(row: GroupRow): AccessGroup {
  return {
    id: row.id,
    name: row.name,
    doors: parseStored(doorsSchema, row.doors, `doors of group ${row.name}`),
    scheduleId: row.schedule_id,
    mode: row.mode,
    members: row.members,
  };
}

const selectGroups = `
  SELECT g.id, g.name, g.doors, g.schedule_id, g.mode,
         (SELECT count(*) FROM person_groups pg WHERE pg.group_id = g.id) AS members
  FROM access_groups g`;

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && /UNIQUE constraint failed/.test(error.message);

/**
 * Access groups, weekly schedules, holidays and each person's groups and validity period, in the
 * gallery database (migration 5). The rules themselves are src/core/access/rules.ts; this only
 * stores them and hands them over as RuleFacts and a RuleContext.
 */
export class AccessRulesStore {
  constructor(private readonly db: FaceGateDatabase) {}

  // Schedules -----------------------------------------------------------------------------------

  schedules(): Schedule[] {
    const rows = this.db.sqlite
      .prepare('SELECT id, name, windows FROM access_schedules ORDER BY name')
      .all() as { id: number; name: string; windows: string }[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      windows: parseStored(windowsSchema, r.windows, `schedule ${r.name}`),
    }));
  }

  schedule(idOrName: number | string): Schedule {
    const found = this.schedules().find((s) =>
      typeof idOrName === 'number' ? s.id === idOrName : s.name.toLowerCase() === idOrName.toLowerCase(),
    );
    if (!found) throw new FaceGateError('NOT_FOUND', `There is no schedule ${JSON.stringify(idOrName)}.`);
    return found;
  }

  /** Creates a schedule, or replaces schedule `id`. */
  saveSchedule(input: unknown, id?: number, now = Date.now()): Schedule {
    const data = parseInput(scheduleInputSchema, input);
    try {
      if (id === undefined) {
        const result = this.db.sqlite
          .prepare('INSERT INTO access_schedules (name, windows, updated_at) VALUES (?, ?, ?)')
          .run(data.name, JSON.stringify(data.windows), now);
        return this.schedule(Number(result.lastInsertRowid));
      }
      const changed = this.db.sqlite
        .prepare('UPDATE access_schedules SET name = ?, windows = ?, updated_at = ? WHERE id = ?')
        .run(data.name, JSON.stringify(data.windows), now, id).changes;
      if (changed === 0) throw new FaceGateError('NOT_FOUND', `There is no schedule #${id}.`);
      return this.schedule(id);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new FaceGateError('CONFLICT', `A schedule named '${data.name}' already exists.`);
      throw error;
    }
  }

  /** Refused while a group uses the schedule (say which). */
  deleteSchedule(id: number): boolean {
    const users = this.groups().filter((g) => g.scheduleId === id);
    if (users.length > 0) {
      throw new FaceGateError(
        'CONFLICT',
        `The schedule is used by ${users.map((g) => g.name).join(', ')}: change those groups first.`,
      );
    }
    return this.db.sqlite.prepare('DELETE FROM access_schedules WHERE id = ?').run(id).changes > 0;
  }

  // Groups --------------------------------------------------------------------------------------

  groups(): AccessGroup[] {
    return (this.db.sqlite.prepare(`${selectGroups} ORDER BY g.name`).all() as GroupRow[]).map(toGroup);
  }

  group(idOrName: number | string): AccessGroup {
    const found = this.groups().find((g) =>
      typeof idOrName === 'number' ? g.id === idOrName : g.name.toLowerCase() === idOrName.toLowerCase(),
    );
    if (!found) throw new FaceGateError('NOT_FOUND', `There is no access group ${JSON.stringify(idOrName)}.`);
    return found;
  }

  saveGroup(input: unknown, id?: number, now = Date.now()): AccessGroup {
    const data = parseInput(accessGroupInputSchema, input);
    if (data.scheduleId !== null) this.schedule(data.scheduleId);
    const doors = JSON.stringify(data.doors);
    try {
      if (id === undefined) {
        const result = this.db.sqlite
          .prepare(
            'INSERT INTO access_groups (name, doors, schedule_id, mode, updated_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(data.name, doors, data.scheduleId, data.mode, now);
        return this.group(Number(result.lastInsertRowid));
      }
      const changed = this.db.sqlite
        .prepare(
          'UPDATE access_groups SET name = ?, doors = ?, schedule_id = ?, mode = ?, updated_at = ? WHERE id = ?',
        )
        .run(data.name, doors, data.scheduleId, data.mode, now, id).changes;
      if (changed === 0) throw new FaceGateError('NOT_FOUND', `There is no access group #${id}.`);
      return this.group(id);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new FaceGateError('CONFLICT', `An access group named '${data.name}' already exists.`);
      throw error;
    }
  }

  /** Its members leave the group (they keep their other groups). */
  deleteGroup(id: number): boolean {
    return this.db.sqlite.prepare('DELETE FROM access_groups WHERE id = ?').run(id).changes > 0;
  }

  // Holidays ------------------------------------------------------------------------------------

  holidays(): Holiday[] {
    return this.db.sqlite.prepare('SELECT id, date, name FROM holidays ORDER BY date').all() as Holiday[];
  }

  /** Adds a holiday, or renames the one on that date. */
  saveHoliday(input: unknown): Holiday {
    const data = parseInput(holidayInputSchema, input);
    this.db.sqlite
      .prepare(
        'INSERT INTO holidays (date, name) VALUES (?, ?) ON CONFLICT(date) DO UPDATE SET name = excluded.name',
      )
      .run(data.date, data.name);
    return this.db.sqlite
      .prepare('SELECT id, date, name FROM holidays WHERE date = ?')
      .get(data.date) as Holiday;
  }

  deleteHoliday(id: number): boolean {
    return this.db.sqlite.prepare('DELETE FROM holidays WHERE id = ?').run(id).changes > 0;
  }

  // People --------------------------------------------------------------------------------------

  personAccess(personId: number): PersonAccess {
    const row = this.db.sqlite
      .prepare('SELECT valid_from, valid_until FROM people WHERE id = ?')
      .get(personId) as { valid_from: number | null; valid_until: number | null } | undefined;
    if (!row) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
    const groupIds = (
      this.db.sqlite
        .prepare('SELECT group_id FROM person_groups WHERE person_id = ? ORDER BY group_id')
        .all(personId) as { group_id: number }[]
    ).map((r) => r.group_id);
    return {
      personId,
      groupIds,
      validFrom: row.valid_from === null ? null : isoFromMs(row.valid_from),
      validUntil: row.valid_until === null ? null : isoFromMs(row.valid_until),
    };
  }

  /** Changes what is given: the person's groups (replaced as a whole) and validity bounds (epoch ms or null). */
  setPersonAccess(
    personId: number,
    change: { groupIds?: readonly number[]; validFrom?: number | null; validUntil?: number | null },
  ): PersonAccess {
    const current = this.personAccess(personId);
    const from =
      change.validFrom !== undefined
        ? change.validFrom
        : current.validFrom === null
          ? null
          : Date.parse(current.validFrom);
    const until =
      change.validUntil !== undefined
        ? change.validUntil
        : current.validUntil === null
          ? null
          : Date.parse(current.validUntil);
    if (from !== null && until !== null && until <= from) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'The pass must end after it starts (valid until > valid from).',
      );
    }
    if (change.groupIds) for (const id of change.groupIds) this.group(id);
    this.db.transaction(() => {
      this.db.sqlite
        .prepare('UPDATE people SET valid_from = ?, valid_until = ? WHERE id = ?')
        .run(from, until, personId);
      if (change.groupIds) {
        this.db.sqlite.prepare('DELETE FROM person_groups WHERE person_id = ?').run(personId);
        const add = this.db.sqlite.prepare('INSERT INTO person_groups (person_id, group_id) VALUES (?, ?)');
        for (const id of new Set(change.groupIds)) add.run(personId, id);
      }
    });
    return this.personAccess(personId);
  }

  // For the rules -------------------------------------------------------------------------------

  /** The person's validity and groups as the rules read them; undefined when the person is gone. */
  factsFor(personId: number): RuleFacts | undefined {
    const row = this.db.sqlite
      .prepare('SELECT valid_from, valid_until FROM people WHERE id = ?')
      .get(personId) as { valid_from: number | null; valid_until: number | null } | undefined;
    if (!row) return undefined;
    const groups = (
      this.db.sqlite
        .prepare(`${selectGroups} JOIN person_groups m ON m.group_id = g.id WHERE m.person_id = ?`)
        .all(personId) as GroupRow[]
    ).map(toGroup);
    return {
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      groups: groups.map((g): RuleGroup => ({
        name: g.name,
        doors: g.doors,
        scheduleId: g.scheduleId,
        mode: g.mode,
      })),
    };
  }

  context(timeZone: string, door: string): RuleContext {
    const schedules = new Map<number, RuleSchedule>(this.schedules().map((s) => [s.id, s]));
    const holidays = new Map(this.holidays().map((h) => [h.date, h.name]));
    return { schedules, holidays, timeZone, door };
  }
}
