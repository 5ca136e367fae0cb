import {
  peopleQuerySchema,
  personCreateSchema,
  personUpdateSchema,
  type PeopleQuery,
  type Person,
  type PersonCreate,
  type PersonUpdate,
} from '../../shared/people';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from './database';
import { isoFromMs } from './time';
import { parseInput } from './validate';

interface PersonRow {
  id: number;
  name: string;
  employee_code: string | null;
  group_name: string | null;
  active: number;
  notes: string;
  created_at: number;
  updated_at: number;
  template_count: number;
}

const selectPerson = `
  SELECT p.id, p.name, p.employee_code, p.group_name, p.active, p.notes, p.created_at, p.updated_at,
         (SELECT count(*) FROM templates t WHERE t.person_id = p.id) AS template_count
  FROM people p`;

function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    name: row.name,
    employeeCode: row.employee_code,
    group: row.group_name,
    active: row.active === 1,
    notes: row.notes,
    createdAt: isoFromMs(row.created_at),
    updatedAt: isoFromMs(row.updated_at),
    templateCount: row.template_count,
  };
}

/** Rows of the `people` table. Inputs are validated here, whoever calls. */
export class PeopleRepository {
  constructor(private readonly db: FaceGateDatabase) {}

  create(input: PersonCreate, now = Date.now()): Person {
    const data = parseInput(personCreateSchema, input);
    this.assertCodeFree(data.employeeCode ?? null, null);
    const result = this.db.sqlite
      .prepare(
        `INSERT INTO people (name, employee_code, group_name, active, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        data.name,
        data.employeeCode ?? null,
        data.group ?? null,
        data.active ? 1 : 0,
        data.notes,
        now,
        now,
      );
    return this.require(Number(result.lastInsertRowid));
  }

  /** Prepared once: the frame path reads a person on every recognised frame. */
  private byId: ReturnType<PeopleRepository['db']['sqlite']['prepare']> | undefined;

  get(id: number): Person | undefined {
    this.byId ??= this.db.sqlite.prepare(`${selectPerson} WHERE p.id = ?`);
    const row = this.byId.get(id) as PersonRow | undefined;
    return row ? toPerson(row) : undefined;
  }

  require(id: number): Person {
    const person = this.get(id);
    if (!person) throw new FaceGateError('NOT_FOUND', `There is no person with id ${id}.`);
    return person;
  }

  /** People whose name is exactly this one, ignoring case and surrounding spaces. */
  findByName(name: string): Person[] {
    const rows = this.db.sqlite
      .prepare(`${selectPerson} WHERE lower(p.name) = lower(?) ORDER BY p.id`)
      .all(name.trim()) as PersonRow[];
    return rows.map(toPerson);
  }

  findByCode(code: string): Person | undefined {
    const row = this.db.sqlite.prepare(`${selectPerson} WHERE p.employee_code = ?`).get(code.trim()) as
      PersonRow | undefined;
    return row ? toPerson(row) : undefined;
  }

  list(query: PeopleQuery = {}): Person[] {
    const q = parseInput(peopleQuerySchema, query);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.search) {
      where.push(
        `(instr(lower(p.name), lower(?)) > 0 OR instr(lower(coalesce(p.employee_code, '')), lower(?)) > 0)`,
      );
      params.push(q.search, q.search);
    }
    if (q.group !== undefined) {
      where.push('p.group_name = ?');
      params.push(q.group);
    }
    if (q.active !== undefined) {
      where.push('p.active = ?');
      params.push(q.active ? 1 : 0);
    }
    const sql =
      selectPerson +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY p.name COLLATE NOCASE, p.id LIMIT ? OFFSET ?';
    return (this.db.sqlite.prepare(sql).all(...params, q.limit, q.offset) as PersonRow[]).map(toPerson);
  }

  count(): number {
    return (this.db.sqlite.prepare('SELECT count(*) AS n FROM people').get() as { n: number }).n;
  }

  /** Applies a partial update; returns the person before and after. */
  update(id: number, patch: PersonUpdate, now = Date.now()): { before: Person; after: Person } {
    const data = parseInput(personUpdateSchema, patch);
    const before = this.require(id);
    if (data.employeeCode !== undefined) this.assertCodeFree(data.employeeCode, id);
    const columns: Record<string, unknown> = {};
    if (data.name !== undefined) columns.name = data.name;
    if (data.employeeCode !== undefined) columns.employee_code = data.employeeCode;
    if (data.group !== undefined) columns.group_name = data.group;
    if (data.active !== undefined) columns.active = data.active ? 1 : 0;
    if (data.notes !== undefined) columns.notes = data.notes;
    const names = Object.keys(columns);
    if (names.length > 0) {
      this.db.sqlite
        .prepare(`UPDATE people SET ${names.map((n) => `${n} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
        .run(...names.map((n) => columns[n]), now, id);
    }
    return { before, after: this.require(id) };
  }

  /** Removes the row; templates and import records cascade. Erasure (erasure.ts) is the public way. */
  deleteRow(id: number): boolean {
    return this.db.sqlite.prepare('DELETE FROM people WHERE id = ?').run(id).changes > 0;
  }

  private assertCodeFree(code: string | null, exceptId: number | null): void {
    if (code === null) return;
    const holder = this.findByCode(code);
    if (holder && holder.id !== exceptId) {
      throw new FaceGateError(
        'CONFLICT',
        `The employee code '${code}' already belongs to ${holder.name} (id ${holder.id}); codes are unique.`,
        { details: { personId: holder.id } },
      );
    }
  }
}
