import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { FaceGateError } from '../errors';
import { announce, storeDistinctPair, type SiteStore } from './site-store';

/**
 * Access rules, personal credentials, confirmed look-alike pairs and settings written from a
 * kiosk into the site database (docs/site.md). Each call is one transaction that writes the rows
 * and announces the change on the feed (rules as the one `rules` change, a person's access,
 * credentials and pairs as a change of that person, settings per key), so every kiosk applies it
 * through its sync like any other site change. The caller has validated the input; the checks
 * that need the whole site (a name or PIN already taken, a schedule still used) are made here,
 * under one advisory lock per kind so that two kiosks cannot both pass them.
 */

/** Serialises rule edits (new ids are max + 1) and credential edits (uniqueness across the site). */
const rulesLock = 4607165;
const credentialsLock = 4607166;

/** The setting that holds the site's PIN tag key (base64), copied to every kiosk like a setting. */
export const tagKeySetting = 'credentials.tagKey';

export interface SiteCredentialChange {
  pin?: { hash: unknown; tag: string } | null;
  duress?: { hash: unknown; tag: string } | null;
  badge?: string | null;
}

/** A person's credentials as the site holds them (the kiosk's person_credentials row). */
export interface SiteCredentialsRow {
  personId: number;
  pin: string | null;
  pinTag: string | null;
  duress: string | null;
  duressTag: string | null;
  badge: string | null;
  updatedAt: number;
}

export interface SitePair {
  a: number;
  b: number;
  similarity: number | null;
  confirmedBy: string;
  confirmedAt: number;
}

const num = (value: unknown): number => Number(value);

async function lock(client: pg.PoolClient, key: number): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [key]);
}

async function nextId(client: pg.PoolClient, table: string): Promise<number> {
  const row = (await client.query(`SELECT coalesce(max(id), 0) + 1 AS id FROM ${table}`)).rows[0];
  return num(row.id);
}

async function requirePerson(client: pg.PoolClient, personId: number): Promise<void> {
  const found = await client.query('SELECT 1 FROM people WHERE id = $1 FOR UPDATE', [personId]);
  if (found.rowCount === 0) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
}

// --- Schedules, groups, holidays (one `rules` change each) ---------------------------------------

export function saveSchedule(
  store: SiteStore,
  input: { name: string; windows: string },
  id: number | undefined,
  now: number,
): Promise<{ id: number; seq: number }> {
  return store.transaction('save schedule', async (client) => {
    await lock(client, rulesLock);
    const taken = await client.query(
      'SELECT 1 FROM access_schedules WHERE name = $1 AND id IS DISTINCT FROM $2',
      [input.name, id ?? null],
    );
    if (taken.rowCount)
      throw new FaceGateError('CONFLICT', `A schedule named '${input.name}' already exists.`);
    let scheduleId = id;
    if (scheduleId === undefined) {
      scheduleId = await nextId(client, 'access_schedules');
      await client.query(
        'INSERT INTO access_schedules (id, name, windows, updated_at) VALUES ($1, $2, $3, $4)',
        [scheduleId, input.name, input.windows, now],
      );
    } else {
      const updated = await client.query(
        'UPDATE access_schedules SET name = $1, windows = $2, updated_at = $3 WHERE id = $4',
        [input.name, input.windows, now, scheduleId],
      );
      if (updated.rowCount === 0) throw new FaceGateError('NOT_FOUND', `There is no schedule #${id}.`);
    }
    return { id: scheduleId, seq: await announce(client, 'rules', 'all', now) };
  });
}

/** Refused while a group uses the schedule; `removed` false when there was none. */
export function deleteSchedule(
  store: SiteStore,
  id: number,
  now: number,
): Promise<{ removed: boolean; seq: number | null }> {
  return store.transaction('delete schedule', async (client) => {
    await lock(client, rulesLock);
    const users = await client.query('SELECT name FROM access_groups WHERE schedule_id = $1 ORDER BY name', [
      id,
    ]);
    if (users.rowCount) {
      throw new FaceGateError(
        'CONFLICT',
        `The schedule is used by ${users.rows.map((r) => r.name as string).join(', ')}: change those groups first.`,
      );
    }
    const deleted = await client.query('DELETE FROM access_schedules WHERE id = $1', [id]);
    if (!deleted.rowCount) return { removed: false, seq: null };
    return { removed: true, seq: await announce(client, 'rules', 'all', now) };
  });
}

export function saveGroup(
  store: SiteStore,
  input: { name: string; doors: string; scheduleId: number | null; mode: string },
  id: number | undefined,
  now: number,
): Promise<{ id: number; seq: number }> {
  return store.transaction('save access group', async (client) => {
    await lock(client, rulesLock);
    const taken = await client.query(
      'SELECT 1 FROM access_groups WHERE name = $1 AND id IS DISTINCT FROM $2',
      [input.name, id ?? null],
    );
    if (taken.rowCount)
      throw new FaceGateError('CONFLICT', `An access group named '${input.name}' already exists.`);
    if (input.scheduleId !== null) {
      const schedule = await client.query('SELECT 1 FROM access_schedules WHERE id = $1', [input.scheduleId]);
      if (!schedule.rowCount)
        throw new FaceGateError('NOT_FOUND', `There is no schedule ${JSON.stringify(input.scheduleId)}.`);
    }
    let groupId = id;
    if (groupId === undefined) {
      groupId = await nextId(client, 'access_groups');
      await client.query(
        'INSERT INTO access_groups (id, name, doors, schedule_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [groupId, input.name, input.doors, input.scheduleId, input.mode, now],
      );
    } else {
      const updated = await client.query(
        'UPDATE access_groups SET name = $1, doors = $2, schedule_id = $3, mode = $4, updated_at = $5 WHERE id = $6',
        [input.name, input.doors, input.scheduleId, input.mode, now, groupId],
      );
      if (updated.rowCount === 0) throw new FaceGateError('NOT_FOUND', `There is no access group #${id}.`);
    }
    return { id: groupId, seq: await announce(client, 'rules', 'all', now) };
  });
}

/** Its members leave the group (person_groups cascades); announced as a rules change. */
export function deleteGroup(
  store: SiteStore,
  id: number,
  now: number,
): Promise<{ removed: boolean; seq: number | null }> {
  return store.transaction('delete access group', async (client) => {
    await lock(client, rulesLock);
    const deleted = await client.query('DELETE FROM access_groups WHERE id = $1', [id]);
    if (!deleted.rowCount) return { removed: false, seq: null };
    return { removed: true, seq: await announce(client, 'rules', 'all', now) };
  });
}

/** Adds a holiday, or renames the one on that date. */
export function saveHoliday(
  store: SiteStore,
  input: { date: string; name: string },
  now: number,
): Promise<{ id: number; seq: number }> {
  return store.transaction('save holiday', async (client) => {
    await lock(client, rulesLock);
    const existing = await client.query('SELECT id FROM holidays WHERE date = $1', [input.date]);
    let holidayId: number;
    if (existing.rowCount) {
      holidayId = num(existing.rows[0].id);
      await client.query('UPDATE holidays SET name = $1 WHERE id = $2', [input.name, holidayId]);
    } else {
      holidayId = await nextId(client, 'holidays');
      await client.query('INSERT INTO holidays (id, date, name) VALUES ($1, $2, $3)', [
        holidayId,
        input.date,
        input.name,
      ]);
    }
    return { id: holidayId, seq: await announce(client, 'rules', 'all', now) };
  });
}

export function deleteHoliday(
  store: SiteStore,
  id: number,
  now: number,
): Promise<{ removed: boolean; seq: number | null }> {
  return store.transaction('delete holiday', async (client) => {
    await lock(client, rulesLock);
    const deleted = await client.query('DELETE FROM holidays WHERE id = $1', [id]);
    if (!deleted.rowCount) return { removed: false, seq: null };
    return { removed: true, seq: await announce(client, 'rules', 'all', now) };
  });
}

// --- A person's access, credentials, pairs (a change of the person) -------------------------------

/** Sets the person's validity bounds (what is given) and groups (replaced as a whole). */
export function setPersonAccess(
  store: SiteStore,
  personId: number,
  change: { groupIds?: readonly number[]; validFrom?: number | null; validUntil?: number | null },
  now: number,
): Promise<{ seq: number }> {
  return store.transaction('set person access', async (client) => {
    await lock(client, rulesLock);
    const row = (
      await client.query('SELECT valid_from, valid_until FROM people WHERE id = $1 FOR UPDATE', [personId])
    ).rows[0] as { valid_from: string | null; valid_until: string | null } | undefined;
    if (!row) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
    const from =
      change.validFrom !== undefined
        ? change.validFrom
        : row.valid_from === null
          ? null
          : num(row.valid_from);
    const until =
      change.validUntil !== undefined
        ? change.validUntil
        : row.valid_until === null
          ? null
          : num(row.valid_until);
    if (from !== null && until !== null && until <= from) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'The pass must end after it starts (valid until > valid from).',
      );
    }
    await client.query('UPDATE people SET valid_from = $1, valid_until = $2, updated_at = $3 WHERE id = $4', [
      from,
      until,
      now,
      personId,
    ]);
    if (change.groupIds) {
      const ids = [...new Set(change.groupIds)];
      const known = await client.query('SELECT id FROM access_groups WHERE id = ANY($1::bigint[])', [ids]);
      const missing = ids.filter((id) => !known.rows.some((r) => num(r.id) === id));
      if (missing.length)
        throw new FaceGateError('NOT_FOUND', `There is no access group ${JSON.stringify(missing[0])}.`);
      await client.query('DELETE FROM person_groups WHERE person_id = $1', [personId]);
      for (const groupId of ids) {
        await client.query('INSERT INTO person_groups (person_id, group_id) VALUES ($1, $2)', [
          personId,
          groupId,
        ]);
      }
    }
    return { seq: await announce(client, 'person', String(personId), now) };
  });
}

/**
 * The site's PIN tag key, made on first use (random 32 bytes) and announced as a setting so that
 * every kiosk tags a typed PIN the same way.
 */
export function siteTagKey(store: SiteStore, now: number): Promise<string> {
  return store.transaction('PIN tag key', async (client) => {
    await lock(client, credentialsLock);
    const stored = await client.query('SELECT value FROM settings WHERE key = $1', [tagKeySetting]);
    if (stored.rowCount && typeof stored.rows[0].value === 'string') return stored.rows[0].value as string;
    const key = randomBytes(32).toString('base64');
    await client.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [tagKeySetting, JSON.stringify(key), now],
    );
    await announce(client, 'setting', tagKeySetting, now);
    return key;
  });
}

/**
 * Sets what is given of a person's PIN, duress PIN (hashes and tags) and badge. No two people,
 * nor one person's PIN and duress PIN, share a PIN anywhere on the site; a badge has one owner.
 */
export function setCredentials(
  store: SiteStore,
  personId: number,
  change: SiteCredentialChange,
  now: number,
): Promise<{ seq: number }> {
  return store.transaction('set credentials', async (client) => {
    await lock(client, credentialsLock);
    await requirePerson(client, personId);
    const tags = [change.pin?.tag, change.duress?.tag].filter((t): t is string => typeof t === 'string');
    if (tags.length === 2 && tags[0] === tags[1])
      throw new FaceGateError('INVALID_INPUT', 'The duress PIN must differ from the PIN.');
    for (const tag of tags) {
      const owner = (
        await client.query(
          'SELECT person_id, pin_tag = $1 AS is_pin FROM person_credentials WHERE pin_tag = $1 OR duress_tag = $1',
          [tag],
        )
      ).rows[0] as { person_id: string; is_pin: boolean } | undefined;
      if (!owner) continue;
      const own = num(owner.person_id) === personId;
      const replaced = own && (owner.is_pin ? change.pin !== undefined : change.duress !== undefined);
      if (!replaced) {
        throw new FaceGateError(
          'CONFLICT',
          own
            ? 'The duress PIN must differ from the PIN.'
            : 'Another person already has this PIN (or duress PIN): choose another one.',
        );
      }
    }
    if (change.badge) {
      const owner = (
        await client.query('SELECT person_id FROM person_credentials WHERE badge = $1', [change.badge])
      ).rows[0] as { person_id: string } | undefined;
      if (owner && num(owner.person_id) !== personId) {
        throw new FaceGateError(
          'CONFLICT',
          `The badge ${change.badge} belongs to another person (#${num(owner.person_id)}).`,
        );
      }
    }
    await client.query(
      'INSERT INTO person_credentials (person_id, updated_at) VALUES ($1, $2) ON CONFLICT (person_id) DO NOTHING',
      [personId, now],
    );
    const sets = ['updated_at = $2'];
    const values: unknown[] = [personId, now];
    const put = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (change.pin !== undefined) {
      put('pin', change.pin ? JSON.stringify(change.pin.hash) : null);
      put('pin_tag', change.pin?.tag ?? null);
    }
    if (change.duress !== undefined) {
      put('duress', change.duress ? JSON.stringify(change.duress.hash) : null);
      put('duress_tag', change.duress?.tag ?? null);
    }
    if (change.badge !== undefined) put('badge', change.badge);
    await client.query(`UPDATE person_credentials SET ${sets.join(', ')} WHERE person_id = $1`, values);
    await client.query(
      'DELETE FROM person_credentials WHERE person_id = $1 AND pin IS NULL AND duress IS NULL AND badge IS NULL',
      [personId],
    );
    return { seq: await announce(client, 'person', String(personId), now) };
  });
}

/** Confirms (or, with `confirmed: false`, withdraws) that two people are different people. */
export function setDifferentPeople(
  store: SiteStore,
  pair: { a: number; b: number; similarity: number | null; actor: string; confirmed: boolean },
  now: number,
): Promise<{ changed: boolean; seq: number | null }> {
  const [low, high] = pair.a < pair.b ? [pair.a, pair.b] : [pair.b, pair.a];
  return store.transaction('look-alike pair', async (client) => {
    await requirePerson(client, low);
    await requirePerson(client, high);
    if (pair.confirmed) {
      await storeDistinctPair(client, pair, now);
    } else {
      const result = await client.query('DELETE FROM distinct_people WHERE person_a = $1 AND person_b = $2', [
        low,
        high,
      ]);
      if (!result.rowCount) return { changed: false, seq: null };
    }
    await announce(client, 'person', String(low), now);
    return { changed: true, seq: await announce(client, 'person', String(high), now) };
  });
}

/** Site settings (key → JSON value) in one transaction, each key announced. */
export function putSettings(
  store: SiteStore,
  entries: readonly (readonly [string, unknown])[],
  now: number,
): Promise<{ seq: number | null }> {
  return store.transaction('set settings', async (client) => {
    let seq: number | null = null;
    for (const [key, value] of entries) {
      await client.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [key, JSON.stringify(value), now],
      );
      seq = await announce(client, 'setting', key, now);
    }
    return { seq };
  });
}

// --- Read by the kiosks with the people of a batch -------------------------------------------------

/** The credentials and confirmed pairs of these people (what a kiosk copies with each person). */
export async function personExtras(
  store: SiteStore,
  ids: readonly number[],
): Promise<{ credentials: SiteCredentialsRow[]; pairs: SitePair[] }> {
  if (ids.length === 0) return { credentials: [], pairs: [] };
  const [credentials, pairs] = await Promise.all([
    store.query('read credentials', 'SELECT * FROM person_credentials WHERE person_id = ANY($1::bigint[])', [
      ids,
    ]),
    store.query(
      'read look-alike pairs',
      'SELECT * FROM distinct_people WHERE person_a = ANY($1::bigint[]) OR person_b = ANY($1::bigint[])',
      [ids],
    ),
  ]);
  return {
    credentials: credentials.map((r) => ({
      personId: num(r.person_id),
      pin: (r.pin as string | null) ?? null,
      pinTag: (r.pin_tag as string | null) ?? null,
      duress: (r.duress as string | null) ?? null,
      duressTag: (r.duress_tag as string | null) ?? null,
      badge: (r.badge as string | null) ?? null,
      updatedAt: num(r.updated_at),
    })),
    pairs: pairs.map((r) => ({
      a: num(r.person_a),
      b: num(r.person_b),
      similarity: r.similarity === null ? null : Number(r.similarity),
      confirmedBy: r.confirmed_by as string,
      confirmedAt: num(r.confirmed_at),
    })),
  };
}
