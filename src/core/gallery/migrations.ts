/**
 * The database schema as an ordered list of steps. Step N takes a database at
 * `PRAGMA user_version = N - 1` to N. Never edit a step that has shipped: add a new one.
 * Blob columns come last in their tables so that reading the small columns never walks a
 * blob's overflow pages.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'people, one-model templates, settings',
    sql: `
      CREATE TABLE people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        employee_code TEXT UNIQUE,
        group_name TEXT,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        notes TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE templates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('camera', 'photo', 'import')),
        quality TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        embedding BLOB NOT NULL,
        crop_jpeg BLOB
      );
      CREATE INDEX templates_person ON templates(person_id);
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    description:
      'embeddings per model (re-embedding keeps the crop), attendance events, audit log, import provenance',
    sql: `
      CREATE TABLE template_embeddings (
        id INTEGER PRIMARY KEY,
        template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        dim INTEGER NOT NULL CHECK (dim > 0),
        created_at INTEGER NOT NULL,
        vector BLOB NOT NULL CHECK (length(vector) = dim * 4),
        UNIQUE (template_id, model_id)
      );
      INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
        SELECT id, model_id, model_sha256, length(embedding) / 4, created_at, embedding FROM templates;

      CREATE TABLE templates_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        source TEXT NOT NULL CHECK (source IN ('camera', 'photo', 'import')),
        source_ref TEXT,
        quality TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        crop_jpeg BLOB
      );
      INSERT INTO templates_v2 (id, person_id, source, source_ref, quality, created_at, crop_jpeg)
        SELECT id, person_id, source, NULL, quality, created_at, crop_jpeg FROM templates;
      DROP TABLE templates;
      ALTER TABLE templates_v2 RENAME TO templates;
      CREATE INDEX templates_person ON templates(person_id);
      CREATE INDEX template_embeddings_model ON template_embeddings(model_id);

      CREATE TABLE attendance_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        kind TEXT NOT NULL
          CHECK (kind IN ('check_in', 'check_out', 'denied', 'unknown', 'spoof', 'manual_open')),
        similarity REAL,
        liveness REAL,
        door_opened INTEGER NOT NULL DEFAULT 0 CHECK (door_opened IN (0, 1)),
        device TEXT NOT NULL DEFAULT '',
        note TEXT
      );
      CREATE INDEX attendance_events_at ON attendance_events(at);
      CREATE INDEX attendance_events_person_at ON attendance_events(person_id, at);

      -- No foreign key: an entry outlives its person (erasure redacts its details instead).
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        person_id INTEGER,
        details TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_at ON audit_log(at);
      CREATE INDEX audit_log_person ON audit_log(person_id);

      -- Bumped by every change to embeddings, so a process can tell its in-memory index is stale
      -- when another one (the CLI while the app runs) changed the gallery.
      CREATE TABLE gallery_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT INTO gallery_version (id, version) VALUES (1, 0);
      CREATE TRIGGER embeddings_added AFTER INSERT ON template_embeddings
        BEGIN UPDATE gallery_version SET version = version + 1; END;
      CREATE TRIGGER embeddings_changed AFTER UPDATE ON template_embeddings
        BEGIN UPDATE gallery_version SET version = version + 1; END;
      CREATE TRIGGER embeddings_removed AFTER DELETE ON template_embeddings
        BEGIN UPDATE gallery_version SET version = version + 1; END;
      CREATE TRIGGER templates_removed AFTER DELETE ON templates
        BEGIN UPDATE gallery_version SET version = version + 1; END;

      CREATE TABLE import_sources (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        template_id INTEGER REFERENCES templates(id) ON DELETE SET NULL,
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        imported_at INTEGER NOT NULL,
        UNIQUE (person_id, sha256)
      );
    `,
  },
  {
    version: 3,
    description: 'integrations: webhook endpoints, the outbox (delivery log), REST API keys',
    sql: `
      CREATE TABLE webhook_endpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        kinds TEXT NOT NULL DEFAULT '[]',
        description TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        -- The signing secret: the HMAC needs it in clear; it is shown to the admin once.
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- One row per event and target ('webhook:<id>', 'mqtt'): written before anything is sent,
      -- deleted only by the retention purge, so a restart or a receiver that is down loses nothing.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER,
        delivered_at INTEGER,
        last_status INTEGER,
        last_error TEXT,
        payload TEXT NOT NULL
      );
      CREATE INDEX outbox_due ON outbox(state, target, next_attempt_at);
      CREATE INDEX outbox_created ON outbox(created_at);
      CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL UNIQUE,
        -- sha256 of the whole key: keys are 32 random bytes, so a fast hash is enough.
        hash TEXT NOT NULL,
        scopes TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 4,
    description: "attendance events may be 'injection' (frames that cannot come from a live camera)",
    sql: `
      CREATE TABLE attendance_events_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        kind TEXT NOT NULL
          CHECK (kind IN ('check_in', 'check_out', 'denied', 'unknown', 'spoof', 'manual_open', 'injection')),
        similarity REAL,
        liveness REAL,
        door_opened INTEGER NOT NULL DEFAULT 0 CHECK (door_opened IN (0, 1)),
        device TEXT NOT NULL DEFAULT '',
        note TEXT
      );
      INSERT INTO attendance_events_v4 (id, at, person_id, kind, similarity, liveness, door_opened, device, note)
        SELECT id, at, person_id, kind, similarity, liveness, door_opened, device, note FROM attendance_events;
      DROP TABLE attendance_events;
      ALTER TABLE attendance_events_v4 RENAME TO attendance_events;
      CREATE INDEX attendance_events_at ON attendance_events(at);
      CREATE INDEX attendance_events_person_at ON attendance_events(person_id, at);
    `,
  },
  {
    version: 5,
    description:
      'access rules (groups, schedules, holidays, person groups, validity) and admin accounts with roles (docs/access.md)',
    sql: `
      CREATE TABLE access_schedules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        windows TEXT NOT NULL DEFAULT '[]',
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE access_groups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        doors TEXT NOT NULL DEFAULT '"all"',
        schedule_id INTEGER REFERENCES access_schedules(id) ON DELETE RESTRICT,
        mode TEXT NOT NULL DEFAULT 'face'
          CHECK (mode IN ('face', 'face_or_pin', 'face_and_pin', 'pin_only')),
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE person_groups (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        group_id INTEGER NOT NULL REFERENCES access_groups(id) ON DELETE CASCADE,
        PRIMARY KEY (person_id, group_id)
      );
      CREATE INDEX person_groups_group ON person_groups(group_id);
      CREATE TABLE holidays (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        date TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL
      );
      ALTER TABLE people ADD COLUMN valid_from INTEGER;
      ALTER TABLE people ADD COLUMN valid_until INTEGER;

      CREATE TABLE admin_accounts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('administrator', 'viewer', 'enroller')),
        secret TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- The one shared PIN of before becomes the administrator account 'admin' (same hash).
      INSERT INTO admin_accounts (name, role, secret, created_at, updated_at)
        SELECT 'admin', 'administrator', value, updated_at, updated_at FROM settings WHERE key = 'admin.pin';
      DELETE FROM settings WHERE key = 'admin.pin';
    `,
  },
  {
    version: 6,
    description:
      'look-alike people an administrator confirmed as different (docs/gallery.md, "Look-alike colleague")',
    sql: `
      -- One row per confirmed pair, the lower id first. The live decision asks the one of a pair it
      -- would let in to lead the other by the look-alike margin. Triggers move the gallery version
      -- so another process's confirmation reaches the serving index.
      CREATE TABLE distinct_people (
        person_a INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        person_b INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        similarity REAL,
        confirmed_by TEXT NOT NULL,
        confirmed_at INTEGER NOT NULL,
        PRIMARY KEY (person_a, person_b),
        CHECK (person_a < person_b)
      );
      CREATE INDEX distinct_people_b ON distinct_people(person_b);
      CREATE TRIGGER distinct_people_added AFTER INSERT ON distinct_people
        BEGIN UPDATE gallery_version SET version = version + 1; END;
      CREATE TRIGGER distinct_people_removed AFTER DELETE ON distinct_people
        BEGIN UPDATE gallery_version SET version = version + 1; END;
    `,
  },
  {
    version: 7,
    description:
      'event snapshots: the face crop at a decision, erased with its event or its person (docs/ui.md)',
    sql: `
      CREATE TABLE event_snapshots (
        event_id INTEGER PRIMARY KEY REFERENCES attendance_events(id) ON DELETE CASCADE,
        -- Whom the event is about (null: a stranger); erasing the person erases their snapshots
        -- even when their events are kept without a name.
        person_id INTEGER REFERENCES people(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        jpeg BLOB NOT NULL
      );
      CREATE INDEX event_snapshots_at ON event_snapshots(at);
      CREATE INDEX event_snapshots_person ON event_snapshots(person_id);
    `,
  },
  {
    version: 8,
    description:
      'kiosk credentials (personal PIN, duress PIN, badge) and anti-passback state per person and door (docs/access.md)',
    sql: `
      -- pin and duress are scrypt hashes (JSON, like an admin account's secret); the tags are a keyed
      -- HMAC of the PIN so a PIN typed alone finds its person and two people never share one.
      CREATE TABLE person_credentials (
        person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
        pin TEXT,
        pin_tag TEXT UNIQUE,
        duress TEXT,
        duress_tag TEXT UNIQUE,
        badge TEXT UNIQUE,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE passback_state (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        area TEXT NOT NULL,
        inside INTEGER NOT NULL CHECK (inside IN (0, 1)),
        at INTEGER NOT NULL,
        PRIMARY KEY (person_id, area)
      );
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1].version;
