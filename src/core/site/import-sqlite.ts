import { createHash } from 'node:crypto';
import { FaceGateError } from '../errors';
import { blobToEmbedding, embeddingToBlob } from '../gallery/embedding-codec';
import type { Gallery } from '../gallery/gallery';
import type { SettingsSection } from '../../shared/settings';
import { tagKeySetting } from './site-rules';
import { changeChannel, lockFeed, type SiteStore } from './site-store';

/**
 * Which settings sections the site holds (the same at every door) and which each kiosk keeps for
 * itself (its hardware, its screen, its own deliveries). A site section changed anywhere reaches
 * every kiosk through the change feed; a kiosk section never leaves the kiosk.
 */
export const siteSettingSections = [
  'recognition',
  'liveness',
  'access',
  'attendance',
  'enrolment',
  'admin',
] as const satisfies readonly SettingsSection[];
export const kioskSettingSections = [
  'door',
  'kiosk',
  'integrations',
] as const satisfies readonly SettingsSection[];

export interface ImportReport {
  source: string;
  people: number;
  templates: number;
  embeddings: number;
  /** Photos remembered by content hash (the desk's import_sources): a re-import at any kiosk skips them. */
  photoRecords: number;
  attendanceEvents: number;
  auditEntries: number;
  accounts: number;
  accessGroups: number;
  memberships: number;
  /** People with a kiosk PIN, duress PIN or badge. */
  credentials: number;
  /** Pairs confirmed as different people. */
  lookalikePairs: number;
  settings: string[];
  /** Settings sections left behind because they are each kiosk's own. */
  kioskSettingsLeft: string[];
  /** Local id -> site id of every person (the ids change: the site numbers people itself). */
  personIds: Record<number, number>;
  seq: number;
}

interface PersonRow {
  id: number;
  name: string;
  employee_code: string | null;
  group_name: string | null;
  active: number;
  notes: string;
  valid_from: number | null;
  valid_until: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * The one-time move of a single desk's SQLite gallery into a new site: people (new site ids),
 * templates with their crops and every embedding, access rules and memberships, kiosk credentials
 * (hashes, tags and the tag key) and confirmed look-alike pairs, the attendance log and audit log (ids derived
 * from the source file, so running it twice cannot store an event twice), admin accounts and the
 * site's settings sections. All in ONE PostgreSQL transaction: it is stored whole or not at all.
 * Refused when the site already holds people (a merge of two galleries is not an import).
 */
export async function importSqlite(
  store: SiteStore,
  gallery: Gallery,
  source: string,
): Promise<ImportReport> {
  await store.requireSchema();
  const sql = gallery.db.sqlite;
  const sourceId = createHash('sha256')
    .update(
      `${source}:${(sql.prepare('SELECT min(created_at) AS t FROM people').get() as { t: number | null }).t}`,
    )
    .digest('hex')
    .slice(0, 12);
  const people = sql.prepare('SELECT * FROM people ORDER BY id').all() as PersonRow[];
  return store.transaction('import SQLite gallery', async (client) => {
    await client.query('LOCK TABLE people IN EXCLUSIVE MODE');
    // It writes `changes` itself: hold the feed lock like every writer (seq order = commit order).
    await lockFeed(client);
    const existing = Number((await client.query('SELECT count(*) AS n FROM people')).rows[0].n);
    if (existing > 0) {
      throw new FaceGateError(
        'CONFLICT',
        `The site already holds ${existing} people; an import is for a new site only (nothing was changed).`,
      );
    }
    const now = Date.now();
    const personIds: Record<number, number> = {};
    const templateIds = new Map<number, number>();
    let templates = 0;
    let embeddings = 0;
    const selectTemplates = sql.prepare(
      'SELECT id, source, source_ref, quality, created_at, crop_jpeg FROM templates WHERE person_id = ? ORDER BY id',
    );
    const selectEmbeddings = sql.prepare(
      'SELECT model_id, model_sha256, dim, created_at, vector FROM template_embeddings WHERE template_id = ?',
    );
    for (const p of people) {
      const row = await client.query(
        `INSERT INTO people (name, employee_code, group_name, active, notes, valid_from, valid_until, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          p.name,
          p.employee_code,
          p.group_name,
          p.active === 1,
          p.notes,
          p.valid_from,
          p.valid_until,
          p.created_at,
          p.updated_at,
        ],
      );
      const siteId = Number(row.rows[0].id);
      personIds[p.id] = siteId;
      for (const t of selectTemplates.all(p.id) as {
        id: number;
        source: string;
        source_ref: string | null;
        quality: string;
        created_at: number;
        crop_jpeg: Buffer | null;
      }[]) {
        const inserted = await client.query(
          `INSERT INTO templates (person_id, source, source_ref, quality, created_at, crop_jpeg)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [siteId, t.source, t.source_ref, t.quality, t.created_at, t.crop_jpeg],
        );
        const templateId = Number(inserted.rows[0].id);
        templateIds.set(t.id, templateId);
        templates++;
        for (const e of selectEmbeddings.all(t.id) as {
          model_id: string;
          model_sha256: string;
          dim: number;
          created_at: number;
          vector: Buffer;
        }[]) {
          // Decoded and encoded again: a damaged vector is refused here, not at every kiosk.
          const vector = embeddingToBlob(blobToEmbedding(e.vector));
          await client.query(
            `INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [templateId, e.model_id, e.model_sha256, e.dim, e.created_at, vector],
          );
          embeddings++;
        }
      }
      await client.query(`INSERT INTO changes (entity, entity_key, at) VALUES ('person', $1, $2)`, [
        String(siteId),
        now,
      ]);
    }

    // The photos' hashes, so that importing the same folder at a kiosk adds nothing twice.
    const sources = sql
      .prepare('SELECT person_id, template_id, sha256, path, imported_at FROM import_sources')
      .all() as {
      person_id: number;
      template_id: number | null;
      sha256: string;
      path: string;
      imported_at: number;
    }[];
    let photoRecords = 0;
    for (const r of sources) {
      const personId = personIds[r.person_id];
      if (personId === undefined || !/^[0-9a-f]{64}$/.test(r.sha256)) continue;
      await client.query(
        `INSERT INTO import_sources (person_id, template_id, sha256, path, imported_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (person_id, sha256) DO NOTHING`,
        [
          personId,
          r.template_id === null ? null : (templateIds.get(r.template_id) ?? null),
          r.sha256,
          r.path,
          r.imported_at,
        ],
      );
      photoRecords++;
    }

    // Access rules keep their ids (the site is new); memberships follow the people's new ids.
    for (const r of sql.prepare('SELECT id, name, windows, updated_at FROM access_schedules').all() as {
      id: number;
      name: string;
      windows: string;
      updated_at: number;
    }[]) {
      await client.query(
        'INSERT INTO access_schedules (id, name, windows, updated_at) VALUES ($1, $2, $3, $4)',
        [r.id, r.name, r.windows, r.updated_at],
      );
    }
    for (const r of sql
      .prepare('SELECT id, name, doors, schedule_id, mode, updated_at FROM access_groups')
      .all() as {
      id: number;
      name: string;
      doors: string;
      schedule_id: number | null;
      mode: string;
      updated_at: number;
    }[]) {
      await client.query(
        'INSERT INTO access_groups (id, name, doors, schedule_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [r.id, r.name, r.doors, r.schedule_id, r.mode, r.updated_at],
      );
    }
    for (const r of sql.prepare('SELECT id, date, name FROM holidays').all() as {
      id: number;
      date: string;
      name: string;
    }[]) {
      await client.query('INSERT INTO holidays (id, date, name) VALUES ($1, $2, $3)', [r.id, r.date, r.name]);
    }
    const memberships = sql.prepare('SELECT person_id, group_id FROM person_groups').all() as {
      person_id: number;
      group_id: number;
    }[];
    for (const m of memberships) {
      await client.query('INSERT INTO person_groups (person_id, group_id) VALUES ($1, $2)', [
        personIds[m.person_id],
        m.group_id,
      ]);
    }
    await client.query(`INSERT INTO changes (entity, entity_key, at) VALUES ('rules', 'all', $1)`, [now]);

    // Kiosk credentials (hashes and tags) and confirmed look-alike pairs follow the people's new
    // ids (their person changes are in the feed above). The desk's PIN tag key becomes the site's,
    // so a PIN typed alone still finds its person at every kiosk.
    const credentials = sql
      .prepare(
        'SELECT person_id, pin, pin_tag, duress, duress_tag, badge, updated_at FROM person_credentials',
      )
      .all() as {
      person_id: number;
      pin: string | null;
      pin_tag: string | null;
      duress: string | null;
      duress_tag: string | null;
      badge: string | null;
      updated_at: number;
    }[];
    for (const c of credentials) {
      await client.query(
        `INSERT INTO person_credentials (person_id, pin, pin_tag, duress, duress_tag, badge, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [personIds[c.person_id], c.pin, c.pin_tag, c.duress, c.duress_tag, c.badge, c.updated_at],
      );
    }
    const tagKey = gallery.settings.get(tagKeySetting);
    if (typeof tagKey === 'string') {
      await client.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [tagKeySetting, JSON.stringify(tagKey), now],
      );
      await client.query(`INSERT INTO changes (entity, entity_key, at) VALUES ('setting', $1, $2)`, [
        tagKeySetting,
        now,
      ]);
    }
    const pairs = sql
      .prepare('SELECT person_a, person_b, similarity, confirmed_by, confirmed_at FROM distinct_people')
      .all() as {
      person_a: number;
      person_b: number;
      similarity: number | null;
      confirmed_by: string;
      confirmed_at: number;
    }[];
    for (const pair of pairs) {
      const [low, high] = [personIds[pair.person_a], personIds[pair.person_b]].sort((x, y) => x - y);
      await client.query(
        `INSERT INTO distinct_people (person_a, person_b, similarity, confirmed_by, confirmed_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [low, high, pair.similarity, pair.confirmed_by, pair.confirmed_at],
      );
    }

    const events = sql
      .prepare(
        'SELECT id, at, person_id, kind, similarity, liveness, door_opened, device, note FROM attendance_events ORDER BY id',
      )
      .all() as {
      id: number;
      at: number;
      person_id: number | null;
      kind: string;
      similarity: number | null;
      liveness: number | null;
      door_opened: number;
      device: string;
      note: string | null;
    }[];
    for (let i = 0; i < events.length; i += 1000) {
      const chunk = events.slice(i, i + 1000).map((e) => ({
        id: `import-${sourceId}:a${e.id}`,
        kiosk_at: e.at,
        person_id: e.person_id === null ? null : (personIds[e.person_id] ?? null),
        kind: e.kind,
        similarity: e.similarity,
        liveness: e.liveness,
        door_opened: e.door_opened === 1,
        door: e.device,
        note: e.note,
      }));
      await client.query(
        `INSERT INTO attendance_events (id, kiosk_id, kiosk_at, clock_skew_ms, received_at, person_id, kind,
                                        similarity, liveness, door_opened, door, note)
         SELECT e.id, 'import', e.kiosk_at, NULL, $2, e.person_id, e.kind, e.similarity, e.liveness, e.door_opened, e.door, e.note
         FROM json_to_recordset($1::json) AS e(id text, kiosk_at bigint, person_id bigint, kind text,
              similarity double precision, liveness double precision, door_opened boolean, door text, note text)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(chunk), now],
      );
    }

    const audit = sql
      .prepare('SELECT id, at, actor, action, target, person_id, details FROM audit_log ORDER BY id')
      .all() as {
      id: number;
      at: number;
      actor: string;
      action: string;
      target: string | null;
      person_id: number | null;
      details: string;
    }[];
    for (let i = 0; i < audit.length; i += 1000) {
      const chunk = audit.slice(i, i + 1000).map((a) => ({
        id: `import-${sourceId}:u${a.id}`,
        kiosk_at: a.at,
        actor: a.actor,
        action: a.action,
        target: a.target,
        person_id: a.person_id === null ? null : (personIds[a.person_id] ?? null),
        details: safeJson(a.details),
      }));
      await client.query(
        `INSERT INTO audit_events (id, kiosk_id, kiosk_at, received_at, actor, action, target, person_id, details)
         SELECT a.id, 'import', a.kiosk_at, $2, a.actor, a.action, a.target, a.person_id, coalesce(a.details, '{}'::jsonb)
         FROM json_to_recordset($1::json) AS a(id text, kiosk_at bigint, actor text, action text, target text,
              person_id bigint, details jsonb)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(chunk), now],
      );
    }

    const accounts = sql
      .prepare('SELECT name, role, secret, disabled, created_at, updated_at FROM admin_accounts')
      .all() as {
      name: string;
      role: string;
      secret: string;
      disabled: number;
      created_at: number;
      updated_at: number;
    }[];
    for (const a of accounts) {
      await client.query(
        `INSERT INTO admin_accounts (name, role, secret, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO NOTHING`,
        [a.name, a.role, a.secret, a.disabled === 1, a.created_at, a.updated_at],
      );
      await client.query(`INSERT INTO changes (entity, entity_key, at) VALUES ('account', $1, $2)`, [
        a.name,
        now,
      ]);
    }

    const settings: string[] = [];
    for (const section of siteSettingSections) {
      const value = gallery.settings.get(`app.${section}`);
      if (value === undefined) continue;
      await client.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [`app.${section}`, JSON.stringify(value), now],
      );
      await client.query(`INSERT INTO changes (entity, entity_key, at) VALUES ('setting', $1, $2)`, [
        `app.${section}`,
        now,
      ]);
      settings.push(`app.${section}`);
    }
    const kioskSettingsLeft = kioskSettingSections
      .map((section) => `app.${section}`)
      .filter((key) => gallery.settings.get(key) !== undefined);

    const seq = Number((await client.query('SELECT coalesce(max(seq), 0) AS s FROM changes')).rows[0].s);
    // One announcement for the whole import: kiosks read the feed from their last seq anyway.
    await client.query('SELECT pg_notify($1, $2)', [changeChannel, String(seq)]);
    return {
      source,
      people: people.length,
      templates,
      embeddings,
      photoRecords,
      attendanceEvents: events.length,
      auditEntries: audit.length,
      accounts: accounts.length,
      accessGroups: (sql.prepare('SELECT count(*) AS n FROM access_groups').get() as { n: number }).n,
      memberships: memberships.length,
      credentials: credentials.length,
      lookalikePairs: pairs.length,
      settings,
      kioskSettingsLeft,
      personIds,
      seq,
    };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: true };
  }
}
