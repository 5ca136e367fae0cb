import { randomUUID } from 'node:crypto';
import { FaceGateError } from '../errors';
import { embeddingToBlob } from '../gallery/embedding-codec';
import type { Gallery } from '../gallery/gallery';
import type {
  Change,
  SiteAccessRules,
  SiteAccount,
  SiteAuditEvent,
  SiteEvent,
  SitePerson,
  SiteTemplate,
} from './site-store';
import type { SiteCredentialsRow, SitePair } from './site-rules';

/**
 * The site tables inside a kiosk's own SQLite file, versioned on their own (`site_state.schema`)
 * so that they never collide with the gallery's migrations: the kiosk's membership, the last
 * change it applied, and the outbox of events still to send up. Triggers put every attendance
 * event and audit entry into the outbox in the same transaction that writes it, so an event is
 * either written and queued, or neither, whatever kills the process.
 */
const siteSchema = [
  `CREATE TABLE site_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE site_outbox (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('attendance', 'audit')),
     created_at INTEGER NOT NULL,
     payload TEXT NOT NULL
   );
   CREATE TRIGGER site_outbox_attendance AFTER INSERT ON attendance_events
   WHEN (SELECT value FROM site_state WHERE key = 'kiosk_id') IS NOT NULL
   BEGIN
     INSERT INTO site_outbox (id, kind, created_at, payload) VALUES (
       (SELECT value FROM site_state WHERE key = 'kiosk_id') || ':' ||
         (SELECT value FROM site_state WHERE key = 'incarnation') || ':a' || NEW.id,
       'attendance', NEW.at,
       json_object('at', NEW.at, 'personId', NEW.person_id, 'kind', NEW.kind, 'similarity', NEW.similarity,
         'liveness', NEW.liveness, 'doorOpened', NEW.door_opened, 'note', NEW.note,
         'skew', (SELECT CAST(value AS INTEGER) FROM site_state WHERE key = 'clock_skew_ms')));
   END;
   CREATE TRIGGER site_outbox_audit AFTER INSERT ON audit_log
   WHEN (SELECT value FROM site_state WHERE key = 'kiosk_id') IS NOT NULL
   BEGIN
     INSERT INTO site_outbox (id, kind, created_at, payload) VALUES (
       (SELECT value FROM site_state WHERE key = 'kiosk_id') || ':' ||
         (SELECT value FROM site_state WHERE key = 'incarnation') || ':u' || NEW.id,
       'audit', NEW.at,
       json_object('actor', NEW.actor, 'action', NEW.action, 'target', NEW.target, 'personId', NEW.person_id,
         'details', json(NEW.details)));
   END;`,
  // Anti-passback across kiosks (src/core/site/passages.ts): passages decided here still to go up,
  // and the latest reset per person (0: everyone), so an older passage arriving late stays dropped.
  `CREATE TABLE site_passage_outbox (
     id TEXT PRIMARY KEY,
     person_id INTEGER,
     area TEXT,
     kind TEXT NOT NULL CHECK (kind IN ('in', 'out', 'reset')),
     at INTEGER NOT NULL,
     kiosk_at INTEGER NOT NULL
   );
   CREATE TABLE site_passback_resets (person_id INTEGER PRIMARY KEY, at INTEGER NOT NULL);`,
];

export interface KioskIdentity {
  kioskId: string;
  name: string;
  door: string;
}

interface OutboxRow {
  id: string;
  kind: 'attendance' | 'audit';
  created_at: number;
  payload: string;
}

/** What one applied batch did to the index, for Gallery.applyReplicated. */
interface IndexEdits {
  removedTemplates: number[];
  added: {
    templateId: number;
    personId: number;
    modelId: string;
    modelSha256: string;
    vector: Float32Array;
  }[];
}

/**
 * A kiosk's local copy of the site: applies the site's changes to the kiosk's SQLite file (the
 * offline copy the kiosk decides from, also after a restart without the server) and to the
 * gallery's in-memory index, and keeps the outbox of events to send up.
 */
export class LocalReplica {
  constructor(readonly gallery: Gallery) {
    this.ensureSchema();
  }

  private get sqlite() {
    return this.gallery.db.sqlite;
  }

  private ensureSchema(): void {
    const sql = this.sqlite;
    const hasState = sql
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_state'")
      .get();
    const version = hasState ? Number(this.state('schema') ?? 0) : 0;
    if (version > siteSchema.length) {
      throw new FaceGateError(
        'DATABASE',
        `The site tables in ${this.gallery.db.file} are from a newer FaceGate (version ${version}). Update FaceGate.`,
      );
    }
    if (version === siteSchema.length) return;
    this.gallery.db.transaction(() => {
      for (let v = version; v < siteSchema.length; v++) sql.exec(siteSchema[v]);
      this.setState('schema', String(siteSchema.length));
      if (!this.state('incarnation')) this.setState('incarnation', randomUUID().slice(0, 8));
    });
  }

  state(key: string): string | undefined {
    return (
      this.sqlite.prepare('SELECT value FROM site_state WHERE key = ?').get(key) as
        { value: string } | undefined
    )?.value;
  }

  private setState(key: string, value: string): void {
    this.sqlite
      .prepare(
        'INSERT INTO site_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** This kiosk's membership (null before `facegate site join`). */
  identity(): KioskIdentity | null {
    const kioskId = this.state('kiosk_id');
    if (!kioskId) return null;
    return { kioskId, name: this.state('kiosk_name') ?? kioskId, door: this.state('kiosk_door') ?? '' };
  }

  /**
   * Makes this file a site member's copy. A file that already holds people who did not come from
   * the site is refused: import it into the site first (`facegate site import-sqlite`), then join
   * with a fresh file, so that no two people share an id.
   */
  join(identity: KioskIdentity, siteId: string, siteName = siteId): void {
    const current = this.identity();
    const joinedSite = this.state('site_id');
    if (current && joinedSite && joinedSite !== siteId) {
      throw new FaceGateError(
        'CONFLICT',
        `This database is a copy of another site (${joinedSite}); use a fresh data folder to join ${siteId}.`,
      );
    }
    if (!current) {
      const people = (this.sqlite.prepare('SELECT count(*) AS n FROM people').get() as { n: number }).n;
      if (people > 0) {
        throw new FaceGateError(
          'CONFLICT',
          `This database already holds ${people} people of its own. Bring them to the site with ` +
            '`facegate site import-sqlite`, then join with a fresh data folder.',
        );
      }
    }
    this.gallery.db.transaction(() => {
      this.setState('kiosk_id', identity.kioskId);
      this.setState('kiosk_name', identity.name);
      this.setState('kiosk_door', identity.door);
      this.setState('site_id', siteId);
      this.setState('site_name', siteName);
    });
  }

  get appliedSeq(): number {
    return Number(this.state('applied_seq') ?? 0);
  }

  setClockSkew(ms: number): void {
    this.setState('clock_skew_ms', String(Math.round(ms)));
  }

  // --- Applying the site's changes -------------------------------------------------------------

  /**
   * Applies one batch of changes in ONE local transaction together with the new applied_seq:
   * a kiosk killed in the middle keeps its previous state and applies the batch again (every
   * step is idempotent: it writes the site's current state of each entity).
   */
  applyBatch(
    changes: readonly Change[],
    current: {
      people: readonly SitePerson[];
      templates: readonly SiteTemplate[];
      settings: ReadonlyMap<string, unknown>;
      accounts: readonly SiteAccount[];
      /** Present when the batch holds a rules change. */
      rules?: SiteAccessRules & { memberships: [number, number][] };
      /** The credentials and look-alike pairs of the batch's people (absent: left as they are). */
      extras?: { credentials: readonly SiteCredentialsRow[]; pairs: readonly SitePair[] };
    },
  ): { people: number; erased: number } {
    if (changes.length === 0) return { people: 0, erased: 0 };
    const lastSeq = changes[changes.length - 1].seq;
    const versionBefore = this.gallery.version();
    const edits: IndexEdits = { removedTemplates: [], added: [] };
    const personById = new Map(current.people.map((p) => [p.id, p]));
    const templatesByPerson = new Map<number, SiteTemplate[]>();
    for (const t of current.templates) {
      const list = templatesByPerson.get(t.personId) ?? [];
      list.push(t);
      templatesByPerson.set(t.personId, list);
    }
    const accountByName = new Map(current.accounts.map((a) => [a.name, a]));
    let people = 0;
    let erased = 0;
    this.gallery.db.transaction(() => {
      // Rules first: the people applied below then find the groups they are in.
      if (current.rules) this.putRules(current.rules);
      const seenPeople = new Set<number>();
      for (const change of changes) {
        if (change.entity === 'person') {
          const id = Number(change.key);
          if (seenPeople.has(id)) continue;
          seenPeople.add(id);
          const person = personById.get(id);
          if (person) {
            this.putPerson(person, templatesByPerson.get(id) ?? [], edits);
            if (current.extras) this.putPersonExtras(id, current.extras);
            people++;
          } else if (this.erasePerson(id, edits)) erased++;
        } else if (change.entity === 'setting') {
          if (current.settings.has(change.key))
            this.gallery.settings.set(change.key, current.settings.get(change.key));
          else this.gallery.settings.delete(change.key);
        } else if (change.entity === 'account') {
          const account = accountByName.get(change.key);
          if (account) this.putAccount(account);
          else this.sqlite.prepare('DELETE FROM admin_accounts WHERE name = ?').run(change.key);
        }
        // 'rules' was applied above, whole.
      }
      this.setState('applied_seq', String(lastSeq));
    });
    this.gallery.applyReplicated(versionBefore, edits);
    return { people, erased };
  }

  private putPerson(person: SitePerson, templates: readonly SiteTemplate[], edits: IndexEdits): void {
    const sql = this.sqlite;
    if (person.employeeCode !== null) {
      // The code moved from another person whose own change is not applied yet: theirs follows.
      sql
        .prepare('UPDATE people SET employee_code = NULL WHERE employee_code = ? AND id <> ?')
        .run(person.employeeCode, person.id);
    }
    sql
      .prepare(
        `INSERT INTO people (id, name, employee_code, group_name, active, notes, valid_from, valid_until, created_at, updated_at)
         VALUES (@id, @name, @employeeCode, @group, @active, @notes, @validFrom, @validUntil, @createdAt, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, employee_code = excluded.employee_code,
           group_name = excluded.group_name, active = excluded.active, notes = excluded.notes,
           valid_from = excluded.valid_from, valid_until = excluded.valid_until, updated_at = excluded.updated_at`,
      )
      .run({ ...person, active: person.active ? 1 : 0 });
    sql.prepare('DELETE FROM person_groups WHERE person_id = ?').run(person.id);
    const join = sql.prepare(
      'INSERT OR IGNORE INTO person_groups (person_id, group_id) SELECT ?, id FROM access_groups WHERE id = ?',
    );
    for (const groupId of person.groupIds) join.run(person.id, groupId);
    const wanted = new Set(templates.map((t) => t.id));
    const local = sql.prepare('SELECT id FROM templates WHERE person_id = ?').all(person.id) as {
      id: number;
    }[];
    for (const { id } of local) {
      if (wanted.has(id)) continue;
      sql.prepare('DELETE FROM templates WHERE id = ?').run(id);
      edits.removedTemplates.push(id);
    }
    const insertTemplate = sql.prepare(
      `INSERT INTO templates (id, person_id, source, source_ref, quality, created_at, crop_jpeg)
       VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`,
    );
    const insertEmbedding = sql.prepare(
      `INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (template_id, model_id) DO UPDATE SET model_sha256 = excluded.model_sha256,
         dim = excluded.dim, vector = excluded.vector
       WHERE model_sha256 <> excluded.model_sha256 OR vector <> excluded.vector`,
    );
    for (const t of templates) {
      insertTemplate.run(t.id, person.id, t.source, t.sourceRef, JSON.stringify(t.quality), t.createdAt);
      for (const e of t.embeddings) {
        const changed = insertEmbedding.run(
          t.id,
          e.modelId,
          e.modelSha256,
          e.vector.length,
          t.createdAt,
          embeddingToBlob(e.vector),
        ).changes;
        if (changed > 0) edits.added.push({ templateId: t.id, personId: person.id, ...e });
      }
    }
  }

  /**
   * The person's credentials (hashes and tags, never a PIN) and confirmed look-alike pairs, as the
   * site holds them. A PIN or badge the site moved from someone else is taken from their local row
   * first (their own change follows in the feed), so a UNIQUE column never blocks the batch. A pair
   * whose other person is not here yet is written when that person is applied.
   */
  private putPersonExtras(
    personId: number,
    extras: { credentials: readonly SiteCredentialsRow[]; pairs: readonly SitePair[] },
  ): void {
    const sql = this.sqlite;
    sql.prepare('DELETE FROM person_credentials WHERE person_id = ?').run(personId);
    const c = extras.credentials.find((row) => row.personId === personId);
    if (c) {
      for (const tag of [c.pinTag, c.duressTag].filter((t): t is string => t !== null)) {
        sql.prepare('UPDATE person_credentials SET pin = NULL, pin_tag = NULL WHERE pin_tag = ?').run(tag);
        sql
          .prepare('UPDATE person_credentials SET duress = NULL, duress_tag = NULL WHERE duress_tag = ?')
          .run(tag);
      }
      if (c.badge !== null)
        sql.prepare('UPDATE person_credentials SET badge = NULL WHERE badge = ?').run(c.badge);
      sql
        .prepare(
          `INSERT INTO person_credentials (person_id, pin, pin_tag, duress, duress_tag, badge, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(personId, c.pin, c.pinTag, c.duress, c.duressTag, c.badge, c.updatedAt);
    }
    sql.prepare('DELETE FROM distinct_people WHERE person_a = ? OR person_b = ?').run(personId, personId);
    const pair = sql.prepare(
      `INSERT INTO distinct_people (person_a, person_b, similarity, confirmed_by, confirmed_at)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM people WHERE id IN (?, ?)) = 2`,
    );
    for (const p of extras.pairs) {
      if (p.a !== personId && p.b !== personId) continue;
      pair.run(p.a, p.b, p.similarity, p.confirmedBy, p.confirmedAt, p.a, p.b);
    }
  }

  /** Replaces the local access rules with the site's, and every membership of the people held here. */
  private putRules(rules: SiteAccessRules & { memberships: [number, number][] }): void {
    const sql = this.sqlite;
    // Ids are numbers from the site; an empty list keeps nothing (NOT IN (NULL) would keep everything).
    const keep = (ids: number[]) => (ids.length ? ids.map((id) => Math.trunc(Number(id))).join(',') : '-1');
    sql.exec(`DELETE FROM access_groups WHERE id NOT IN (${keep(rules.groups.map((g) => g.id))})`);
    const schedule = sql.prepare(
      `INSERT INTO access_schedules (id, name, windows, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, windows = excluded.windows, updated_at = excluded.updated_at`,
    );
    for (const sc of rules.schedules) schedule.run(sc.id, sc.name, sc.windows, sc.updatedAt);
    const group = sql.prepare(
      `INSERT INTO access_groups (id, name, doors, schedule_id, mode, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, doors = excluded.doors, schedule_id = excluded.schedule_id,
         mode = excluded.mode, updated_at = excluded.updated_at`,
    );
    for (const g of rules.groups) group.run(g.id, g.name, g.doors, g.scheduleId, g.mode, g.updatedAt);
    sql.exec(`DELETE FROM access_schedules WHERE id NOT IN (${keep(rules.schedules.map((x) => x.id))})`);
    sql.exec('DELETE FROM holidays');
    const holiday = sql.prepare('INSERT INTO holidays (id, date, name) VALUES (?, ?, ?)');
    for (const h of rules.holidays) holiday.run(h.id, h.date, h.name);
    sql.exec('DELETE FROM person_groups');
    const join = sql.prepare(
      'INSERT OR IGNORE INTO person_groups (person_id, group_id) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?)',
    );
    for (const [personId, groupId] of rules.memberships) join.run(personId, groupId, personId);
  }

  /** Drops an erased person: templates, embeddings, their name in the audit log and the outbox. */
  private erasePerson(id: number, edits: IndexEdits): boolean {
    const sql = this.sqlite;
    const templates = sql.prepare('SELECT id FROM templates WHERE person_id = ?').all(id) as { id: number }[];
    for (const { id: templateId } of templates) edits.removedTemplates.push(templateId);
    sql.prepare('DELETE FROM templates WHERE person_id = ?').run(id);
    this.gallery.audit.redactPerson(id);
    sql
      .prepare(
        `UPDATE site_outbox SET payload = json_set(payload, '$.personId', NULL, '$.note', NULL, '$.details', json('{}'))
         WHERE json_extract(payload, '$.personId') = ?`,
      )
      .run(id);
    return sql.prepare('DELETE FROM people WHERE id = ?').run(id).changes > 0;
  }

  private putAccount(account: SiteAccount): void {
    this.sqlite
      .prepare(
        `INSERT INTO admin_accounts (name, role, secret, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, secret = excluded.secret,
           disabled = excluded.disabled, updated_at = excluded.updated_at`,
      )
      .run(
        account.name,
        account.role,
        account.secret,
        account.disabled ? 1 : 0,
        account.createdAt,
        account.updatedAt,
      );
  }

  // --- The outbox ------------------------------------------------------------------------------

  outboxDepth(): number {
    return (this.sqlite.prepare('SELECT count(*) AS n FROM site_outbox').get() as { n: number }).n;
  }

  /** The oldest queued events, as the site stores them. */
  outboxBatch(limit = 500): { ids: string[]; events: SiteEvent[]; audit: SiteAuditEvent[] } {
    const identity = this.identity();
    if (!identity) return { ids: [], events: [], audit: [] };
    const rows = this.sqlite
      .prepare('SELECT id, kind, created_at, payload FROM site_outbox ORDER BY rowid LIMIT ?')
      .all(limit) as OutboxRow[];
    const events: SiteEvent[] = [];
    const audit: SiteAuditEvent[] = [];
    for (const row of rows) {
      const p = JSON.parse(row.payload) as Record<string, unknown>;
      if (row.kind === 'attendance') {
        events.push({
          id: row.id,
          kioskId: identity.kioskId,
          kioskAt: row.created_at,
          clockSkewMs: (p.skew as number | null) ?? null,
          personId: (p.personId as number | null) ?? null,
          kind: p.kind as string,
          similarity: (p.similarity as number | null) ?? null,
          liveness: (p.liveness as number | null) ?? null,
          doorOpened: p.doorOpened === 1 || p.doorOpened === true,
          door: identity.door,
          note: (p.note as string | null) ?? null,
        });
      } else {
        audit.push({
          id: row.id,
          kioskId: identity.kioskId,
          kioskAt: row.created_at,
          actor: p.actor as string,
          action: p.action as string,
          target: (p.target as string | null) ?? null,
          personId: (p.personId as number | null) ?? null,
          details: p.details ?? {},
        });
      }
    }
    return { ids: rows.map((r) => r.id), events, audit };
  }

  /** Forgets events the site has stored (after its COMMIT; a crash before this re-sends them, harmlessly). */
  delivered(ids: readonly string[]): void {
    const remove = this.sqlite.prepare('DELETE FROM site_outbox WHERE id = ?');
    this.gallery.db.transaction(() => {
      for (const id of ids) remove.run(id);
    });
  }
}
