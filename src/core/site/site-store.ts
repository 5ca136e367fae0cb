import pg from 'pg';
import type { ErasurePolicy } from '../../shared/attendance';
import type { TemplateSource } from '../../shared/people';
import { FaceGateError } from '../errors';
import { blobToEmbedding, embeddingToBlob, normalised } from '../gallery/embedding-codec';
import { latestPgSchemaVersion, pgMigrations, type PgMigration } from './pg-migrations';

/** The channel every change is announced on; the payload is the change's sequence number. */
export const changeChannel = 'facegate_changes';

export interface SitePersonInput {
  name: string;
  employeeCode?: string | null;
  group?: string | null;
  active?: boolean;
  notes?: string;
  validFrom?: number | null;
  validUntil?: number | null;
}

export interface SitePerson {
  id: number;
  name: string;
  employeeCode: string | null;
  group: string | null;
  active: boolean;
  notes: string;
  validFrom: number | null;
  validUntil: number | null;
  createdAt: number;
  updatedAt: number;
  /** Access groups (ids of SiteAccessRules.groups). */
  groupIds: number[];
}

export interface SiteEmbedding {
  modelId: string;
  modelSha256: string;
  vector: Float32Array;
}

export interface SiteTemplateInput {
  source: TemplateSource;
  sourceRef?: string | null;
  quality?: Record<string, number>;
  cropJpeg?: Uint8Array | null;
  createdAt?: number;
  embeddings: SiteEmbedding[];
  /**
   * sha256 of the photo file it came from: remembered in import_sources (PG migration 4) with the
   * template, in the same transaction; a photo already enrolled as a template is refused (CONFLICT).
   */
  contentSha256?: string | null;
}

export interface SiteTemplate {
  id: number;
  personId: number;
  source: TemplateSource;
  sourceRef: string | null;
  quality: Record<string, number>;
  createdAt: number;
  cropJpeg: Buffer | null;
  embeddings: SiteEmbedding[];
}

export interface SiteAccount {
  name: string;
  role: 'administrator' | 'viewer' | 'enroller';
  secret: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The site's access rules as one document (schedules, groups, holidays); memberships are per person. */
export interface SiteAccessRules {
  schedules: { id: number; name: string; windows: string; updatedAt: number }[];
  groups: {
    id: number;
    name: string;
    doors: string;
    scheduleId: number | null;
    mode: string;
    updatedAt: number;
  }[];
  holidays: { id: number; date: string; name: string }[];
}

export interface Change {
  seq: number;
  entity: 'person' | 'setting' | 'account' | 'rules';
  key: string;
}

/** One event as a kiosk sends it up: its id is the kiosk's and makes delivery idempotent. */
export interface SiteEvent {
  id: string;
  kioskId: string;
  /** The kiosk's clock (ms since the epoch) when the event happened. */
  kioskAt: number;
  /** Server clock minus kiosk clock, as the kiosk last measured it (null: never measured). */
  clockSkewMs: number | null;
  personId: number | null;
  kind: string;
  similarity: number | null;
  liveness: number | null;
  doorOpened: boolean;
  door: string;
  note: string | null;
}

export interface SiteAuditEvent {
  id: string;
  kioskId: string;
  kioskAt: number;
  actor: string;
  action: string;
  target: string | null;
  personId: number | null;
  details: unknown;
}

export interface KioskInfo {
  id: string;
  name: string;
  door: string;
  joinedAt: number;
  lastSeenAt: number | null;
  appliedSeq: number;
  outboxDepth: number;
  clockSkewMs: number | null;
  version: string;
}

export interface SiteErasure {
  id: number;
  seq: number;
  templatesDeleted: number;
  events: 'deleted' | 'anonymised';
  eventsAffected: number;
}

/** A bigint column as a JS number (ids and times stay far below 2^53). */
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/** Hides the password of a connection string for messages and status lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable database URL)';
  }
}

/**
 * Turns a driver error into a FaceGateError that names the server, never the password:
 * CONFLICT for a duplicate (an employee code), DATABASE otherwise (unreachable, refused).
 */
export function siteError(url: string, what: string, error: unknown): FaceGateError {
  if (error instanceof FaceGateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown })?.code ?? '');
  if (code === '23505') {
    return new FaceGateError('CONFLICT', `The site database refused a duplicate (${what}): ${message}`, {
      cause: error,
    });
  }
  return new FaceGateError(
    'DATABASE',
    `The site database at ${redactUrl(url)} ${isUnreachable(error) ? 'cannot be reached' : 'refused the request'} (${what}): ${message}`,
    { cause: error, details: { unreachable: isUnreachable(error) } },
  );
}

/** Whether an error means the server is down or the network is, rather than a refused request. */
export function isUnreachable(error: unknown): boolean {
  const cause = error instanceof FaceGateError ? error.cause : error;
  const code = String((cause as { code?: unknown })?.code ?? '');
  const message = cause instanceof Error ? cause.message : String(cause);
  return /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|EPIPE|57P0[123]|timeout|terminat|Connection/i.test(
    `${code} ${message}`,
  );
}

/**
 * The site's store on PostgreSQL (node-postgres): the one source of truth for people, templates,
 * site settings, accounts, kiosks and every kiosk's events. Every change to what kiosks hold is
 * written in the same transaction as a row of the change feed and a `NOTIFY`, so a change is
 * announced exactly when it is committed, and a kiosk that missed the announcement catches up
 * from the feed. All calls are asynchronous; nothing on the frame path calls them.
 */
export class SiteStore {
  private constructor(
    readonly url: string,
    readonly pool: pg.Pool,
  ) {}

  static open(
    url: string,
    options: { max?: number; connectTimeoutMs?: number; queryTimeoutMs?: number } = {},
  ): SiteStore {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `A site database URL starts with postgres:// (got ${redactUrl(url)}).`,
      );
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 10_000,
      // A request to a server that vanished mid-way fails instead of hanging (the kiosk retries).
      query_timeout: options.queryTimeoutMs ?? 15_000,
      keepAlive: true,
    });
    // An idle connection that the server drops must not crash the process: the next query reconnects.
    pool.on('error', () => undefined);
    // Nor one that the server drops while the pool has it checked out between two queries (a
    // server stopped in the middle of a kiosk's catch-up): the query in flight fails with the
    // reason, and the client's later 'error' event must not be an uncaught exception.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new SiteStore(url, pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs fn in one transaction; any error rolls it back (nothing half-written). */
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw siteError(this.url, what, error);
    }
    let broken: Error | undefined;
    // A connection lost between two statements (server stopped, network gone): noted, so that the
    // next statement fails and rolls back and the dead connection is closed on release rather
    // than handed to the next caller (open() also keeps its 'error' event from being uncaught).
    const onLost = (error: Error) => (broken = error);
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw siteError(this.url, what, error);
    } finally {
      client.removeListener('error', onLost);
      // A connection that could not even roll back is closed, not handed to the next caller.
      client.release(broken);
    }
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    what: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw siteError(this.url, what, error);
    }
  }

  // --- Schema --------------------------------------------------------------------------------

  /** Applies pending migrations (each in its own transaction, serialised by an advisory lock). */
  async migrate(steps: readonly PgMigration[] = pgMigrations): Promise<{ from: number; to: number }> {
    return this.transaction('migrate', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(4607164)');
      await client.query(
        'CREATE TABLE IF NOT EXISTS site_schema (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const row = (await client.query('SELECT max(version) AS v FROM site_schema')).rows[0] as {
        v: number | null;
      };
      const from = row.v ?? 0;
      const known = steps.length ? steps[steps.length - 1].version : 0;
      if (from > known) {
        throw new FaceGateError(
          'DATABASE',
          `The site database has schema version ${from}, newer than this FaceGate knows (${known}). Update FaceGate.`,
        );
      }
      for (const step of steps) {
        if (step.version <= from) continue;
        await client.query(step.sql);
        await client.query('INSERT INTO site_schema (version, applied_at) VALUES ($1, $2)', [
          step.version,
          Date.now(),
        ]);
      }
      return { from, to: Math.max(from, known) };
    });
  }

  /** The schema version (0 for a database that was never migrated). */
  async schemaVersion(): Promise<number> {
    const rows = await this.query<{ v: number | null }>(
      'schema version',
      `SELECT CASE WHEN to_regclass('site_schema') IS NULL THEN 0 ELSE (SELECT max(version) FROM site_schema) END AS v`,
    );
    return rows[0]?.v ?? 0;
  }

  /** Refuses a database that is not migrated to the schema this FaceGate speaks. */
  async requireSchema(): Promise<void> {
    const version = await this.schemaVersion();
    if (version !== latestPgSchemaVersion) {
      throw new FaceGateError(
        'DATABASE',
        version < latestPgSchemaVersion
          ? `The site database has schema version ${version}; run \`facegate site init\` to migrate it to ${latestPgSchemaVersion}.`
          : `The site database has schema version ${version}, newer than this FaceGate knows (${latestPgSchemaVersion}). Update FaceGate.`,
      );
    }
  }

  /** The site's id and name, made once (the first call's name wins). */
  async ensureSite(name: string): Promise<{ id: string; name: string; createdAt: number }> {
    await this.query(
      'create site',
      `INSERT INTO site_info (id, name, created_at)
       SELECT gen_random_uuid()::text, $1, $2 WHERE NOT EXISTS (SELECT 1 FROM site_info)`,
      [name, Date.now()],
    );
    return (await this.siteInfo())!;
  }

  async siteInfo(): Promise<{ id: string; name: string; createdAt: number } | null> {
    const rows = await this.query('read site', 'SELECT id, name, created_at FROM site_info LIMIT 1');
    return rows[0]
      ? { id: rows[0].id as string, name: rows[0].name as string, createdAt: num(rows[0].created_at) }
      : null;
  }

  // --- People and templates (each change announced) ------------------------------------------

  /** Creates a person with their templates in one transaction; returns the ids and the change's seq. */
  async enrol(
    input: SitePersonInput,
    templates: readonly SiteTemplateInput[],
    differentFrom: readonly DifferentFrom[] = [],
  ): Promise<{ personId: number; templateIds: number[]; seq: number }> {
    return this.transaction('enrol', async (client) => {
      const now = Date.now();
      const person = await client.query(
        `INSERT INTO people (name, employee_code, group_name, active, notes, valid_from, valid_until, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
        [
          input.name,
          input.employeeCode ?? null,
          input.group ?? null,
          input.active ?? true,
          input.notes ?? '',
          input.validFrom ?? null,
          input.validUntil ?? null,
          now,
        ],
      );
      const personId = num(person.rows[0].id);
      const templateIds = await insertTemplates(client, personId, templates, now);
      await storeDifferentFrom(client, personId, differentFrom, now);
      const seq = await announce(client, 'person', String(personId), now);
      return { personId, templateIds, seq };
    });
  }

  async addTemplates(
    personId: number,
    templates: readonly SiteTemplateInput[],
    differentFrom: readonly DifferentFrom[] = [],
  ): Promise<{ templateIds: number[]; seq: number }> {
    return this.transaction('add templates', async (client) => {
      const now = Date.now();
      const found = await client.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [personId]);
      if (found.rowCount === 0)
        throw new FaceGateError('NOT_FOUND', `There is no person ${personId} on the site.`);
      const templateIds = await insertTemplates(client, personId, templates, now);
      await storeDifferentFrom(client, personId, differentFrom, now);
      const seq = await announce(client, 'person', String(personId), now);
      return { templateIds, seq };
    });
  }

  /** Changes a person's fields (deactivation is `{ active: false }`). */
  async updatePerson(id: number, patch: Partial<SitePersonInput>): Promise<{ seq: number }> {
    return this.transaction('update person', async (client) => {
      const now = Date.now();
      const columns: Record<keyof SitePersonInput, string> = {
        name: 'name',
        employeeCode: 'employee_code',
        group: 'group_name',
        active: 'active',
        notes: 'notes',
        validFrom: 'valid_from',
        validUntil: 'valid_until',
      };
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, column] of Object.entries(columns)) {
        const value = patch[key as keyof SitePersonInput];
        if (value === undefined) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      values.push(now, id);
      const updated = await client.query(
        `UPDATE people SET ${[...sets, `updated_at = $${values.length - 1}`].join(', ')} WHERE id = $${values.length}`,
        values,
      );
      if (updated.rowCount === 0)
        throw new FaceGateError('NOT_FOUND', `There is no person ${id} on the site.`);
      return { seq: await announce(client, 'person', String(id), now) };
    });
  }

  /**
   * Removes one template of a person (its embeddings go with it; its photo stays counted as
   * imported). Announced as a change of the person: every kiosk applies the person's current
   * templates and drops this one from its index. `seq` is null when there was no such template.
   */
  async removeTemplate(
    personId: number,
    templateId: number,
  ): Promise<{ removed: boolean; seq: number | null }> {
    return this.transaction('remove template', async (client) => {
      // The person's row is locked so that a concurrent enrolment or erasure is ordered with this.
      await client.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [personId]);
      const deleted = await client.query('DELETE FROM templates WHERE id = $1 AND person_id = $2', [
        templateId,
        personId,
      ]);
      if (!deleted.rowCount) return { removed: false, seq: null };
      return { removed: true, seq: await announce(client, 'person', String(personId), Date.now()) };
    });
  }

  /** The photo with this content hash, if stored before (one that is still a template first). */
  async photoRecord(
    sha256: string,
  ): Promise<{ personId: number; name: string; templateId: number | null } | null> {
    const rows = await this.query(
      'read photo record',
      `SELECT s.person_id, p.name, s.template_id FROM import_sources s JOIN people p ON p.id = s.person_id
       WHERE s.sha256 = $1 ORDER BY s.template_id IS NULL LIMIT 1`,
      [sha256],
    );
    return rows[0]
      ? {
          personId: num(rows[0].person_id),
          name: rows[0].name as string,
          templateId: numOrNull(rows[0].template_id),
        }
      : null;
  }

  /**
   * Erases a person from the site: templates and embeddings go, their events are deleted or
   * anonymised. Returns once committed; kiosks drop the person when the announcement reaches them
   * (see waitForKiosks to know which have).
   */
  async erasePerson(id: number, policy: ErasurePolicy): Promise<SiteErasure> {
    return this.transaction('erase person', async (client) => {
      const now = Date.now();
      const found = await client.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [id]);
      if (found.rowCount === 0) throw new FaceGateError('NOT_FOUND', `There is no person ${id} on the site.`);
      const templates = await client.query('DELETE FROM templates WHERE person_id = $1', [id]);
      const events =
        policy === 'delete'
          ? await client.query('DELETE FROM attendance_events WHERE person_id = $1', [id])
          : await client.query(
              'UPDATE attendance_events SET person_id = NULL, note = NULL WHERE person_id = $1',
              [id],
            );
      await client.query(
        `UPDATE audit_events SET details = '{}'::jsonb, target = NULL WHERE person_id = $1`,
        [id],
      );
      await client.query('DELETE FROM people WHERE id = $1', [id]);
      const seq = await announce(client, 'person', String(id), now);
      return {
        id,
        seq,
        templatesDeleted: templates.rowCount ?? 0,
        events: policy === 'delete' ? 'deleted' : 'anonymised',
        eventsAffected: events.rowCount ?? 0,
      };
    });
  }

  async setSetting(key: string, value: unknown): Promise<{ seq: number }> {
    return this.transaction('set setting', async (client) => {
      const now = Date.now();
      await client.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [key, JSON.stringify(value), now],
      );
      return { seq: await announce(client, 'setting', key, now) };
    });
  }

  /** Replaces the site's access rules (schedules, groups, holidays) in one announced change. */
  async putAccessRules(rules: SiteAccessRules): Promise<{ seq: number }> {
    return this.transaction('put access rules', async (client) => {
      const now = Date.now();
      for (const sc of rules.schedules) {
        await client.query(
          `INSERT INTO access_schedules (id, name, windows, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, windows = EXCLUDED.windows, updated_at = EXCLUDED.updated_at`,
          [sc.id, sc.name, sc.windows, sc.updatedAt],
        );
      }
      await client.query('DELETE FROM access_groups WHERE NOT (id = ANY($1::bigint[]))', [
        rules.groups.map((g) => g.id),
      ]);
      for (const g of rules.groups) {
        await client.query(
          `INSERT INTO access_groups (id, name, doors, schedule_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, doors = EXCLUDED.doors, schedule_id = EXCLUDED.schedule_id,
             mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at`,
          [g.id, g.name, g.doors, g.scheduleId, g.mode, g.updatedAt],
        );
      }
      await client.query('DELETE FROM access_schedules WHERE NOT (id = ANY($1::bigint[]))', [
        rules.schedules.map((x) => x.id),
      ]);
      await client.query('DELETE FROM holidays');
      for (const h of rules.holidays) {
        await client.query('INSERT INTO holidays (id, date, name) VALUES ($1, $2, $3)', [
          h.id,
          h.date,
          h.name,
        ]);
      }
      return { seq: await announce(client, 'rules', 'all', now) };
    });
  }

  /** Sets the access groups a person is in. */
  async setPersonGroups(personId: number, groupIds: readonly number[]): Promise<{ seq: number }> {
    return this.transaction('set person groups', async (client) => {
      await client.query('DELETE FROM person_groups WHERE person_id = $1', [personId]);
      for (const groupId of groupIds) {
        await client.query('INSERT INTO person_groups (person_id, group_id) VALUES ($1, $2)', [
          personId,
          groupId,
        ]);
      }
      return { seq: await announce(client, 'person', String(personId), Date.now()) };
    });
  }

  /** The access rules and every membership (for a kiosk applying a rules change). */
  async accessRules(): Promise<SiteAccessRules & { memberships: [number, number][] }> {
    const [schedules, groups, holidays, memberships] = await Promise.all([
      this.query('read schedules', 'SELECT * FROM access_schedules ORDER BY id'),
      this.query('read groups', 'SELECT * FROM access_groups ORDER BY id'),
      this.query('read holidays', 'SELECT * FROM holidays ORDER BY id'),
      this.query('read memberships', 'SELECT person_id, group_id FROM person_groups'),
    ]);
    return {
      schedules: schedules.map((r) => ({
        id: num(r.id),
        name: r.name as string,
        windows: r.windows as string,
        updatedAt: num(r.updated_at),
      })),
      groups: groups.map((r) => ({
        id: num(r.id),
        name: r.name as string,
        doors: r.doors as string,
        scheduleId: numOrNull(r.schedule_id),
        mode: r.mode as string,
        updatedAt: num(r.updated_at),
      })),
      holidays: holidays.map((r) => ({ id: num(r.id), date: r.date as string, name: r.name as string })),
      memberships: memberships.map((r) => [num(r.person_id), num(r.group_id)]),
    };
  }

  async putAccount(account: Omit<SiteAccount, 'createdAt' | 'updatedAt'>): Promise<{ seq: number }> {
    return this.transaction('put account', async (client) => {
      const now = Date.now();
      await client.query(
        `INSERT INTO admin_accounts (name, role, secret, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, secret = EXCLUDED.secret,
           disabled = EXCLUDED.disabled, updated_at = EXCLUDED.updated_at`,
        [account.name, account.role, account.secret, account.disabled, now],
      );
      return { seq: await announce(client, 'account', account.name, now) };
    });
  }

  async accountCount(): Promise<number> {
    return num(
      (await this.query<{ n: string }>('count accounts', 'SELECT count(*) AS n FROM admin_accounts'))[0].n,
    );
  }

  // --- Reading what kiosks copy ---------------------------------------------------------------

  async latestSeq(): Promise<number> {
    const rows = await this.query<{ s: string | null }>('latest change', 'SELECT max(seq) AS s FROM changes');
    return num(rows[0].s ?? 0);
  }

  /** Changes after `seq`, oldest first. */
  async changesSince(seq: number, limit = 5000): Promise<Change[]> {
    const rows = await this.query<{ seq: string; entity: Change['entity']; entity_key: string }>(
      'read changes',
      'SELECT seq, entity, entity_key FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return rows.map((r) => ({ seq: num(r.seq), entity: r.entity, key: r.entity_key }));
  }

  /**
   * The current state of these people (absent ones were erased) with all their templates. Kiosks
   * leave the crops on the server (`crops: false`): re-embedding is done once, for the site.
   */
  async people(
    ids: readonly number[],
    options: { crops?: boolean } = {},
  ): Promise<{ people: SitePerson[]; templates: SiteTemplate[] }> {
    if (ids.length === 0) return { people: [], templates: [] };
    const people = await this.query(
      'read people',
      `SELECT p.*, coalesce((SELECT array_agg(g.group_id) FROM person_groups g WHERE g.person_id = p.id), '{}') AS group_ids
       FROM people p WHERE p.id = ANY($1::bigint[])`,
      [ids],
    );
    const templates = await this.query(
      'read templates',
      `SELECT t.id, t.person_id, t.source, t.source_ref, t.quality, t.created_at,
              ${options.crops === false ? 'NULL' : 't.crop_jpeg'} AS crop_jpeg
       FROM templates t WHERE t.person_id = ANY($1::bigint[]) ORDER BY t.id`,
      [ids],
    );
    // Vectors as raw bytea (a Buffer each): no JSON or base64 on either side of a cold start.
    const embeddings = await this.query<{
      template_id: string;
      model_id: string;
      model_sha256: string;
      vector: Buffer;
    }>(
      'read embeddings',
      `SELECT e.template_id, e.model_id, e.model_sha256, e.vector
       FROM template_embeddings e JOIN templates t ON t.id = e.template_id
       WHERE t.person_id = ANY($1::bigint[])`,
      [ids],
    );
    const byTemplate = new Map<number, SiteEmbedding[]>();
    for (const e of embeddings) {
      const id = num(e.template_id);
      const list = byTemplate.get(id) ?? [];
      list.push({ modelId: e.model_id, modelSha256: e.model_sha256, vector: blobToEmbedding(e.vector) });
      byTemplate.set(id, list);
    }
    return {
      people: people.map(toPerson),
      templates: templates.map((r) => ({
        id: num(r.id),
        personId: num(r.person_id),
        source: r.source as TemplateSource,
        sourceRef: (r.source_ref as string | null) ?? null,
        quality: r.quality as Record<string, number>,
        createdAt: num(r.created_at),
        cropJpeg: (r.crop_jpeg as Buffer | null) ?? null,
        embeddings: byTemplate.get(num(r.id)) ?? [],
      })),
    };
  }

  async settings(keys: readonly string[]): Promise<Map<string, unknown>> {
    const rows = await this.query<{ key: string; value: unknown }>(
      'read settings',
      'SELECT key, value FROM settings WHERE key = ANY($1::text[])',
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async accounts(names: readonly string[]): Promise<SiteAccount[]> {
    const rows = await this.query(
      'read accounts',
      'SELECT * FROM admin_accounts WHERE name = ANY($1::text[])',
      [names],
    );
    return rows.map((r) => ({
      name: r.name as string,
      role: r.role as SiteAccount['role'],
      secret: r.secret as string,
      disabled: r.disabled as boolean,
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
    }));
  }

  async counts(): Promise<{
    people: number;
    templates: number;
    attendanceEvents: number;
    auditEvents: number;
  }> {
    const rows = await this.query<Record<string, string>>(
      'count',
      `SELECT (SELECT count(*) FROM people) AS people, (SELECT count(*) FROM templates) AS templates,
              (SELECT count(*) FROM attendance_events) AS attendance, (SELECT count(*) FROM audit_events) AS audit`,
    );
    const r = rows[0];
    return {
      people: num(r.people),
      templates: num(r.templates),
      attendanceEvents: num(r.attendance),
      auditEvents: num(r.audit),
    };
  }

  // --- Events up (idempotent) -------------------------------------------------------------------

  /**
   * Stores events sent up by a kiosk; one already stored (same id) is left as it is, so a batch
   * sent twice (the kiosk died before it noted the delivery) is stored once. An event about a
   * person erased meanwhile is stored without the person. Returns how many were new.
   */
  async insertEvents(events: readonly SiteEvent[], audit: readonly SiteAuditEvent[] = []): Promise<number> {
    if (events.length === 0 && audit.length === 0) return 0;
    return this.transaction('store events', async (client) => {
      const now = Date.now();
      let inserted = 0;
      if (events.length > 0) {
        const result = await client.query(
          `INSERT INTO attendance_events (id, kiosk_id, kiosk_at, clock_skew_ms, received_at, person_id, kind,
                                          similarity, liveness, door_opened, door, note)
           SELECT e.id, e.kiosk_id, e.kiosk_at, e.skew, $2, p.id, e.kind, e.similarity, e.liveness, e.door_opened, e.door, e.note
           FROM json_to_recordset($1::json) AS e(id text, kiosk_id text, kiosk_at bigint, skew integer, person_id bigint,
                kind text, similarity double precision, liveness double precision, door_opened boolean, door text, note text)
           LEFT JOIN people p ON p.id = e.person_id
           ON CONFLICT (id) DO NOTHING`,
          [
            JSON.stringify(
              events.map((e) => ({
                id: e.id,
                kiosk_id: e.kioskId,
                kiosk_at: e.kioskAt,
                skew: e.clockSkewMs,
                person_id: e.personId,
                kind: e.kind,
                similarity: e.similarity,
                liveness: e.liveness,
                door_opened: e.doorOpened,
                door: e.door,
                note: e.note,
              })),
            ),
            now,
          ],
        );
        inserted += result.rowCount ?? 0;
      }
      if (audit.length > 0) {
        const result = await client.query(
          `INSERT INTO audit_events (id, kiosk_id, kiosk_at, received_at, actor, action, target, person_id, details)
           SELECT a.id, a.kiosk_id, a.kiosk_at, $2, a.actor, a.action, a.target, a.person_id, coalesce(a.details, '{}'::jsonb)
           FROM json_to_recordset($1::json) AS a(id text, kiosk_id text, kiosk_at bigint, actor text, action text,
                target text, person_id bigint, details jsonb)
           ON CONFLICT (id) DO NOTHING`,
          [
            JSON.stringify(
              audit.map((a) => ({
                id: a.id,
                kiosk_id: a.kioskId,
                kiosk_at: a.kioskAt,
                actor: a.actor,
                action: a.action,
                target: a.target,
                person_id: a.personId,
                details: a.details,
              })),
            ),
            now,
          ],
        );
        inserted += result.rowCount ?? 0;
      }
      return inserted;
    });
  }

  // --- Kiosks -----------------------------------------------------------------------------------

  async joinKiosk(kiosk: { id: string; name: string; door: string; version: string }): Promise<KioskInfo> {
    const rows = await this.query(
      'register kiosk',
      `INSERT INTO kiosks (id, name, door, joined_at, version) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, door = EXCLUDED.door, version = EXCLUDED.version
       RETURNING *`,
      [kiosk.id, kiosk.name, kiosk.door, Date.now(), kiosk.version],
    );
    return toKiosk(rows[0]);
  }

  /**
   * A kiosk's sign of life: what it has applied and how much it still has to send. Returns the
   * server's clock (ms), from which the kiosk measures its skew.
   */
  async heartbeat(
    kioskId: string,
    state: { appliedSeq: number; outboxDepth: number; clockSkewMs: number | null; version: string },
  ): Promise<{ serverNow: number; known: boolean }> {
    const rows = await this.query<{ now_ms: string; known: boolean }>(
      'kiosk heartbeat',
      `WITH updated AS (
         UPDATE kiosks SET last_seen_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
           applied_seq = greatest(applied_seq, $2), outbox_depth = $3, clock_skew_ms = $4, version = $5
         WHERE id = $1 RETURNING 1)
       SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms, EXISTS (SELECT 1 FROM updated) AS known`,
      [kioskId, state.appliedSeq, state.outboxDepth, state.clockSkewMs, state.version],
    );
    return { serverNow: num(rows[0].now_ms), known: rows[0].known };
  }

  async kiosks(): Promise<KioskInfo[]> {
    return (await this.query('list kiosks', 'SELECT * FROM kiosks ORDER BY name, id')).map(toKiosk);
  }

  /**
   * Waits until every kiosk seen in the last `onlineWithinMs` has applied change `seq`, or the
   * time runs out. An erasure uses it to say which kiosks have provably dropped the person.
   */
  async waitForKiosks(
    seq: number,
    timeoutMs = 2000,
    onlineWithinMs = 15_000,
  ): Promise<{ confirmed: string[]; pending: string[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.query<{ id: string; applied_seq: string }>(
        'kiosk progress',
        `SELECT id, applied_seq FROM kiosks
         WHERE last_seen_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1`,
        [onlineWithinMs],
      );
      const confirmed = rows.filter((r) => num(r.applied_seq) >= seq).map((r) => r.id);
      const pending = rows.filter((r) => num(r.applied_seq) < seq).map((r) => r.id);
      if (pending.length === 0 || Date.now() >= deadline) return { confirmed, pending };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function insertTemplates(
  client: pg.PoolClient,
  personId: number,
  templates: readonly SiteTemplateInput[],
  now: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (const template of templates) {
    if (template.embeddings.length === 0) {
      throw new FaceGateError('INVALID_INPUT', 'A template needs at least one embedding.');
    }
    const row = await client.query(
      `INSERT INTO templates (person_id, source, source_ref, quality, created_at, crop_jpeg)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        personId,
        template.source,
        template.sourceRef ?? null,
        JSON.stringify(template.quality ?? {}),
        template.createdAt ?? now,
        template.cropJpeg ? Buffer.from(template.cropJpeg) : null,
      ],
    );
    const templateId = num(row.rows[0].id);
    if (template.contentSha256) {
      // Checked again inside the transaction: two kiosks importing the same folder at once cannot
      // both enrol one photo.
      const before = await client.query(
        'SELECT person_id FROM import_sources WHERE sha256 = $1 AND template_id IS NOT NULL LIMIT 1',
        [template.contentSha256],
      );
      if (before.rowCount) {
        throw new FaceGateError(
          'CONFLICT',
          `This very photo is already enrolled (for person ${num(before.rows[0].person_id)}); a second copy adds nothing.`,
        );
      }
      await client.query(
        `INSERT INTO import_sources (person_id, template_id, sha256, path, imported_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (person_id, sha256) DO UPDATE SET template_id = EXCLUDED.template_id, path = EXCLUDED.path`,
        [personId, templateId, template.contentSha256, template.sourceRef ?? '', now],
      );
    }
    for (const embedding of template.embeddings) {
      const vector = normalised(embedding.vector);
      await client.query(
        `INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [templateId, embedding.modelId, embedding.modelSha256, vector.length, now, embeddingToBlob(vector)],
      );
    }
    ids.push(templateId);
  }
  return ids;
}

/**
 * The advisory lock that makes change-feed writers commit in the order of their seqs.
 *
 * Kiosks read the feed "after the last seq I applied", so a change must never become visible after
 * one with a higher seq. A sequence alone does not give that: two writers take seqs 10 and 11, 11
 * commits first, a kiosk applies it and would skip 10 for ever. The transaction-scoped lock taken
 * before the seq is held until COMMIT, so the next writer takes its seq only after this one is
 * committed (or rolled back): seq order is commit order. It serialises only the feed's tail, not
 * reads, and frames never wait on it.
 */
const feedLock = 4607166;

/** Takes the feed lock for the rest of this transaction (announce does; so must any other writer of `changes`). */
export async function lockFeed(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [feedLock]);
}

/**
 * Look-alikes an administrator confirmed as different people when enrolling over them: stored with
 * the face, in its transaction, so no kiosk ever holds the face without the pair.
 */
export interface DifferentFrom {
  personId: number;
  similarity: number | null;
  actor: string;
}

/** Stores one confirmed pair (person_a < person_b), replacing an older confirmation of it. */
export async function storeDistinctPair(
  client: pg.PoolClient,
  pair: { a: number; b: number; similarity: number | null; actor: string },
  now: number,
): Promise<{ low: number; high: number }> {
  const [low, high] = pair.a < pair.b ? [pair.a, pair.b] : [pair.b, pair.a];
  await client.query(
    `INSERT INTO distinct_people (person_a, person_b, similarity, confirmed_by, confirmed_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (person_a, person_b) DO UPDATE SET similarity = EXCLUDED.similarity,
       confirmed_by = EXCLUDED.confirmed_by, confirmed_at = EXCLUDED.confirmed_at`,
    [low, high, pair.similarity, pair.actor, now],
  );
  return { low, high };
}

async function storeDifferentFrom(
  client: pg.PoolClient,
  personId: number,
  others: readonly DifferentFrom[],
  now: number,
): Promise<void> {
  for (const other of others) {
    const found = await client.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [other.personId]);
    // The look-alike was erased meanwhile: there is no pair left to keep apart.
    if (found.rowCount === 0) continue;
    await storeDistinctPair(client, { a: personId, b: other.personId, ...other }, now);
    // The other person's kiosks-side pairs change too.
    await announce(client, 'person', String(other.personId), now);
  }
}

/** Appends a change to the feed and announces it (under the feed lock); both take effect at COMMIT, together. */
export async function announce(
  client: pg.PoolClient,
  entity: Change['entity'],
  key: string,
  now: number,
): Promise<number> {
  await lockFeed(client);
  const row = await client.query(
    'INSERT INTO changes (entity, entity_key, at) VALUES ($1, $2, $3) RETURNING seq',
    [entity, key, now],
  );
  const seq = num(row.rows[0].seq);
  await client.query('SELECT pg_notify($1, $2)', [changeChannel, String(seq)]);
  return seq;
}

function toPerson(r: Record<string, unknown>): SitePerson {
  return {
    id: num(r.id),
    name: r.name as string,
    employeeCode: (r.employee_code as string | null) ?? null,
    group: (r.group_name as string | null) ?? null,
    active: r.active as boolean,
    notes: r.notes as string,
    validFrom: numOrNull(r.valid_from),
    validUntil: numOrNull(r.valid_until),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    groupIds: ((r.group_ids as unknown[] | undefined) ?? []).map(num),
  };
}

function toKiosk(r: Record<string, unknown>): KioskInfo {
  return {
    id: r.id as string,
    name: r.name as string,
    door: r.door as string,
    joinedAt: num(r.joined_at),
    lastSeenAt: numOrNull(r.last_seen_at),
    appliedSeq: num(r.applied_seq),
    outboxDepth: num(r.outbox_depth),
    clockSkewMs: numOrNull(r.clock_skew_ms),
    version: r.version as string,
  };
}
