import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/core/attendance/event-log';
import { CredentialStore, pinTag } from '../../../src/core/gallery/credential-store';
import { Gallery } from '../../../src/core/gallery/gallery';
import { hashPin } from '../../../src/core/gallery/pin-hash';
import { SiteStore } from '../../../src/core/site';
import { skipWithout } from '../../helpers/fixtures';
import { repoRoot } from '../../helpers/paths';
import { Postgres, postgresBin } from '../../helpers/postgres';

const bin = path.join(repoRoot, 'bin/facegate.js');

describe.skipIf(skipWithout('PostgreSQL (apt-get install postgresql)', Boolean(postgresBin)))(
  'facegate site init / import-sqlite / join / status on a real PostgreSQL',
  () => {
    let dir: string;
    let pg: Postgres;

    function facegate(args: string[], stdin = '', env: Record<string, string> = {}) {
      const res = spawnSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        input: stdin,
        env: {
          ...process.env,
          FACEGATE_DATA_DIR: path.join(dir, 'data'),
          FACEGATE_DATABASE_URL: pg.url,
          ...env,
        },
        timeout: 60_000,
      });
      return { status: res.status, stdout: res.stdout, stderr: res.stderr };
    }

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-site-cli-'));
      pg = new Postgres();
      await pg.init();
    });

    afterAll(async () => {
      await pg?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('without a site database every site action says how to give one', () => {
      const res = facegate(['site', 'status'], '', { FACEGATE_DATABASE_URL: '' });
      expect(res.status).toBe(64);
      expect(res.stderr).toMatch(/FACEGATE_DATABASE_URL/);
    });

    it('init migrates and creates the first administrator once; status before anything joined', () => {
      const first = facegate(['site', 'init', '--site-name', 'School', '--json'], '482913\n');
      expect(first.status, first.stderr).toBe(0);
      const out = JSON.parse(first.stdout) as {
        schema: { from: number; to: number };
        adminCreated: string | null;
      };
      expect(out.schema.from).toBe(0);
      expect(out.schema.to).toBeGreaterThan(0);
      expect(out.adminCreated).toBe('admin');
      const again = JSON.parse(facegate(['site', 'init', '--json']).stdout) as typeof out;
      expect(again.schema.from).toBe(again.schema.to);
      expect(again.adminCreated).toBeNull();
      const status = facegate(['site', 'status']);
      expect(status.status, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/Site 'School'/);
      expect(status.stdout).toMatch(/No kiosk has joined yet/);
    });

    it('import-sqlite moves a desk into the empty site whole, once; join refuses that file and takes a fresh one', async () => {
      const desk = path.join(dir, 'desk.db');
      const gallery = Gallery.open(desk);
      const model = { modelId: 'test-model', modelSha256: 'a'.repeat(64) };
      const people = ['Ada', 'Grace', 'Linus'].map((name) => gallery.createPerson({ name }, 'test'));
      for (const [i, person] of people.entries()) {
        for (let t = 0; t < 2; t++) {
          const vector = new Float32Array(8).map((_, k) => Math.sin(i * 10 + t * 3 + k));
          gallery.addTemplate(
            {
              personId: person.id,
              source: 'photo',
              quality: {},
              cropJpeg: null,
              embedding: { ...model, vector },
            },
            'test',
          );
        }
      }
      // Grace's first photo was imported from a folder: its hash goes to the site with her.
      const photoHash = 'c'.repeat(64);
      gallery.db.sqlite
        .prepare(
          'INSERT INTO import_sources (person_id, template_id, sha256, path, imported_at) VALUES (?, ?, ?, ?, 0)',
        )
        .run(people[1].id, gallery.templates.listForPerson(people[1].id)[0].id, photoHash, 'Grace/1.jpg');
      gallery.db.sqlite
        .prepare(
          `INSERT INTO access_groups (id, name, doors, mode, updated_at) VALUES (5, 'Staff', '"all"', 'face', 0)`,
        )
        .run();
      gallery.db.sqlite
        .prepare('INSERT INTO person_groups (person_id, group_id) VALUES (?, 5)')
        .run(people[1].id);
      // Grace's kiosk PIN (hash and tag under the desk's key) and Ada/Linus confirmed as different.
      const credentials = new CredentialStore(gallery.db);
      credentials.set(people[1].id, { pin: { hash: await hashPin('4711'), tag: credentials.tag('4711') } });
      const graceTag = credentials.tag('4711');
      gallery.confirmDifferentPeople(people[0].id, people[2].id, 'test', 0.6);
      const log = new EventLog(gallery.db);
      log.append({ personId: people[1].id, kind: 'check_in', device: 'front desk' });
      log.append({ personId: null, kind: 'unknown', device: 'front desk' });
      gallery.setSetting('app.attendance', { deviceName: 'front desk' }, 'test');
      gallery.setSetting('app.door', { enabled: false }, 'test');
      gallery.close();

      const res = facegate(['site', 'import-sqlite', '--db', desk, '--json']);
      expect(res.status, res.stderr).toBe(0);
      const report = JSON.parse(res.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({
        people: 3,
        templates: 6,
        embeddings: 6,
        photoRecords: 1,
        attendanceEvents: 2,
        accessGroups: 1,
        memberships: 1,
        credentials: 1,
        lookalikePairs: 1,
        settings: ['app.attendance'],
        kioskSettingsLeft: ['app.door'],
      });
      const store = SiteStore.open(pg.url);
      try {
        const counts = await store.counts();
        expect(counts).toMatchObject({ people: 3, templates: 6, attendanceEvents: 2 });
        const grace = (report.personIds as Record<string, number>)[String(people[1].id)];
        const rows = await store.query<{ person_id: string }>(
          'read',
          `SELECT person_id FROM attendance_events WHERE kind = 'check_in'`,
        );
        expect(rows.map((r) => Number(r.person_id))).toEqual([grace]);
        const {
          templates,
          people: [siteGrace],
        } = await store.people([grace]);
        expect(siteGrace.groupIds).toEqual([5]);
        expect(templates).toHaveLength(2);
        expect(templates[0].embeddings[0].vector).toHaveLength(8);
        // The PIN travels as its hash and tag, with the desk's tag key as the site's.
        const ids = report.personIds as Record<string, number>;
        expect(await store.query('read', 'SELECT person_id, pin_tag FROM person_credentials')).toEqual([
          { person_id: String(grace), pin_tag: graceTag },
        ]);
        const key = (await store.settings(['credentials.tagKey'])).get('credentials.tagKey') as string;
        expect(pinTag(key, '4711')).toBe(graceTag);
        const pair = [ids[String(people[0].id)], ids[String(people[2].id)]].sort((x, y) => x - y);
        expect(await store.query('read', 'SELECT person_a, person_b FROM distinct_people')).toEqual([
          { person_a: String(pair[0]), person_b: String(pair[1]) },
        ]);
        expect(await store.photoRecord(photoHash)).toEqual({
          personId: grace,
          name: 'Grace',
          templateId: templates[0].id,
        });
      } finally {
        await store.close();
      }

      // Once: a second import would double the gallery, and is refused without a change.
      const twice = facegate(['site', 'import-sqlite', '--db', desk]);
      expect(twice.status).not.toBe(0);
      expect(twice.stderr).toMatch(/already holds 3 people/);

      // The desk's own file cannot become a kiosk's copy (ids would clash); a fresh file can.
      const refused = facegate(['site', 'join', '--name', 'Front', '--db', desk]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/import-sqlite/);
      const joined = facegate([
        'site',
        'join',
        '--name',
        'Side door',
        '--door',
        'side',
        '--db',
        path.join(dir, 'kiosk.db'),
        '--json',
      ]);
      expect(joined.status, joined.stderr).toBe(0);
      const kioskId = (JSON.parse(joined.stdout) as { kiosk: { id: string } }).kiosk.id;
      // The kiosk's copy refuses changes of its own, from any program: they belong in the site.
      const copy = Gallery.open(path.join(dir, 'kiosk.db'));
      // As the sync writes it: the site's person, under the site's id.
      copy.db.sqlite
        .prepare(`INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ada', 0, 0)`)
        .run();
      expect(() => copy.createPerson({ name: 'Local' }, 'test')).toThrow(/member of the site 'School'/);
      copy.close();
      // Without the site's URL a command cannot reach the site: refused, with what to do.
      const rm = facegate(['people', 'rm', '1', '--db', path.join(dir, 'kiosk.db')], '', {
        FACEGATE_DATABASE_URL: '',
      });
      expect(rm.status).not.toBe(0);
      expect(rm.stderr).toMatch(/member of the site 'School'/);
      const status = facegate(['site', 'status', '--json']);
      const parsed = JSON.parse(status.stdout) as {
        kiosks: { id: string; name: string; door: string; online: boolean }[];
      };
      expect(parsed.kiosks).toEqual([
        expect.objectContaining({ id: kioskId, name: 'Side door', door: 'side', online: false }),
      ]);
      expect(facegate(['site', 'status']).stdout).toMatch(/OFFLINE {2}Side door \[side\]/);
    });

    it('a password in the URL never appears in an error', () => {
      const res = facegate(['site', 'status'], '', {
        FACEGATE_DATABASE_URL: `postgres://facegate:s3cr3t-pw@127.0.0.1:${pg.port + 1}/none`,
      });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/cannot be reached/);
      expect(res.stderr).not.toMatch(/s3cr3t-pw/);
    });
  },
);
