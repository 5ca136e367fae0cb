import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/core/attendance/event-log';
import { analyzeFile, FaceAnalyzer, requireMainFace } from '../../../src/core/face';
import { enrolFace } from '../../../src/core/gallery/enrolment';
import { recognizerOf } from '../../../src/core/gallery/face-engine';
import { Gallery } from '../../../src/core/gallery/gallery';
import { AccessRulesStore } from '../../../src/core/gallery/access-rules-store';
import { CredentialStore } from '../../../src/core/gallery/credential-store';
import { DeskWrites, type GalleryWrites } from '../../../src/core/gallery/gallery-writes';
import { importFolder } from '../../../src/core/gallery/import-folder';
import { joinSite, KioskSync, SiteStore, SiteWrites } from '../../../src/core/site';
import { rejectsWith } from '../../helpers/errors';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, hasSharedModels, identityPhotos, sharedModelsDir } from '../../helpers/paths';
import { Postgres, postgresBin } from '../../helpers/postgres';
import { until } from '../../helpers/until';

/**
 * The admin writes' contract (GalleryWrites, src/core/gallery/gallery-writes.ts), the SAME cases
 * run against both engines: the single desk's SQLite file, and a site kiosk whose writes go to a
 * real throwaway PostgreSQL and come back through the change feed (with a second kiosk that must
 * see every change too). Real models and photos.
 */

interface Place {
  gallery: Gallery;
  writes: GalleryWrites;
}

interface Engine extends Place {
  /** Another place that must see every change: kiosk B at a site, the same file on a desk. */
  elsewhere: Place;
  /** Waits until events written locally have reached the engine's store (site: the outbox is sent). */
  settle(): Promise<void>;
  /** The audit actions the engine's store holds (site: the site's audit_events, travelled up). */
  auditActions(): Promise<string[]>;
  /** The attendance events the store holds for a person. */
  eventsOf(personId: number): Promise<number>;
  close(): Promise<void>;
}

const ready = Boolean(postgresBin) && hasSharedModels && hasSharedFaces;
const actor = 'contract-test';

async function deskEngine(dir: string): Promise<Engine> {
  const gallery = Gallery.open(path.join(dir, 'desk.db'));
  const writes = new DeskWrites(gallery);
  return {
    gallery,
    writes,
    elsewhere: { gallery, writes },
    settle: async () => {},
    auditActions: async () =>
      (gallery.db.sqlite.prepare('SELECT action FROM audit_log').all() as { action: string }[]).map(
        (r) => r.action,
      ),
    eventsOf: async (personId) =>
      (
        gallery.db.sqlite
          .prepare('SELECT count(*) AS n FROM attendance_events WHERE person_id = ?')
          .get(personId) as { n: number }
      ).n,
    close: async () => gallery.close(),
  };
}

async function siteEngine(dir: string): Promise<Engine> {
  const pg = new Postgres();
  await pg.init();
  const admin = SiteStore.open(pg.url);
  await admin.migrate();
  await admin.ensureSite('Contract');
  const kiosk = async (name: string) => {
    const gallery = Gallery.open(path.join(dir, `${name}.db`));
    await joinSite(admin, gallery, { name, door: name, version: 'test' });
    const sync = new KioskSync({
      url: pg.url,
      gallery,
      version: 'test',
      pushIntervalMs: 100,
      heartbeatMs: 500,
    });
    sync.start();
    await sync.whenCaughtUp();
    return { gallery, sync, writes: new SiteWrites(sync, gallery) };
  };
  const a = await kiosk('a');
  const b = await kiosk('b');
  return {
    gallery: a.gallery,
    writes: a.writes,
    elsewhere: { gallery: b.gallery, writes: b.writes },
    settle: () => until('outbox sent', () => a.sync.status().outboxDepth === 0, 5000).then(() => {}),
    auditActions: async () =>
      (await admin.query<{ action: string }>('audit', 'SELECT action FROM audit_events')).map(
        (r) => r.action,
      ),
    eventsOf: async (personId) =>
      Number(
        (
          await admin.query<{ n: string }>(
            'events',
            'SELECT count(*) AS n FROM attendance_events WHERE person_id = $1',
            [personId],
          )
        )[0].n,
      ),
    close: async () => {
      await a.sync.stop();
      await b.sync.stop();
      a.gallery.close();
      b.gallery.close();
      await admin.close();
      await pg.destroy();
    },
  };
}

describe.skipIf(skipWithout('PostgreSQL (apt-get install postgresql) and ../shared models/faces', ready))(
  'one storage interface, two engines: the same admin-write contract',
  () => {
    let analyzer: FaceAnalyzer;
    const faces = new Map<string, Awaited<ReturnType<typeof analyzeFile>>['result']>();
    const byIdentity = (identity: string) => identityPhotos().filter((p) => p.identity === identity);

    beforeAll(async () => {
      analyzer = await FaceAnalyzer.load({ searchPath: [sharedModelsDir], threads: 1 });
      for (const photo of [...byIdentity('jack').slice(0, 3)]) {
        faces.set(photo.path, (await analyzeFile(analyzer, photo.path, { embed: 'main' })).result);
      }
    }, 60_000);
    afterAll(async () => {
      await analyzer?.release();
    });

    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

    describe.each([
      { name: 'single desk (SQLite)', make: deskEngine },
      { name: 'site kiosk (PostgreSQL)', make: siteEngine },
    ])('$name', ({ make }) => {
      let dir: string;
      let engine: Engine;
      let jackId = 0;
      const jack = () => byIdentity('jack');
      const embedding = (file: string) => requireMainFace(faces.get(file)!, file).embedding;
      const enrol = (place: Place, file: string, personId: number) =>
        enrolFace(place.gallery, faces.get(file)!, {
          personId,
          source: 'photo',
          sourceRef: path.basename(file),
          model: recognizerOf(analyzer),
          duplicateThreshold: 0.5,
          contentSha256: sha(file),
          actor,
          writes: place.writes,
        });
      const recognised = (place: Place, file: string) =>
        place.gallery.identify(embedding(file), { threshold: 0.3, margin: 0 }).person?.id ?? null;
      /** At a site the other kiosk learns of a change within moments; on a desk it is the same file. */
      const everywhere = (what: string, probe: (place: Place) => boolean) =>
        until(what, () => probe(engine) && probe(engine.elsewhere), 2000);

      beforeAll(async () => {
        dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-store-contract-'));
        engine = await make(dir);
        engine.gallery.useModel(recognizerOf(analyzer));
        engine.elsewhere.gallery.useModel(recognizerOf(analyzer));
      }, 60_000);
      afterAll(async () => {
        await engine?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('creates a person; bad input and a taken employee code are refused, nothing written', async () => {
        const person = await engine.writes.createPerson({ name: 'Jack', employeeCode: 'J1' }, actor);
        jackId = person.id;
        expect(person).toMatchObject({ name: 'Jack', employeeCode: 'J1', active: true, templateCount: 0 });
        expect(engine.gallery.people.require(person.id).name).toBe('Jack');
        await rejectsWith(engine.writes.createPerson({ name: '   ' }, actor), 'INVALID_INPUT');
        await rejectsWith(
          engine.writes.createPerson({ name: 'Other', employeeCode: 'J1' }, actor),
          'CONFLICT',
        );
        expect(engine.gallery.people.count()).toBe(1);
      });

      it('enrols a real photo (recognised everywhere); the very same photo is refused the second time', async () => {
        const [first, second, query] = jack();
        const result = await enrol(engine, first.path, jackId);
        expect(result.accepted, result.message).toBe(true);
        expect(engine.gallery.templates.listForPerson(jackId).map((t) => t.id)).toEqual([
          result.template!.id,
        ]);
        await everywhere('Jack recognised', (place) => recognised(place, query.path) === jackId);

        const again = await enrol(engine.elsewhere, first.path, jackId);
        expect(again.accepted).toBe(false);
        expect(again.quality.issues.map((i) => i.code)).toContain('already_enrolled');
        expect(await engine.writes.photoRecord(sha(first.path))).toMatchObject({
          personId: jackId,
          templateId: result.template!.id,
        });

        const more = await enrol(engine, second.path, jackId);
        expect(more.accepted, more.message).toBe(true);
        expect(engine.gallery.people.require(jackId).templateCount).toBe(2);
      });

      it('removes one template: gone from the file and from every index; an unknown one is false', async () => {
        const [first, second] = jack();
        const [kept, removed] = engine.gallery.templates.listForPerson(jackId).map((t) => t.id);
        expect(await engine.writes.deleteTemplate(jackId, removed, actor)).toBe(true);
        expect(engine.gallery.templates.listForPerson(jackId).map((t) => t.id)).toEqual([kept]);
        // The removed template's own photo is no longer the best hit anywhere: only the kept one is.
        await everywhere(
          'template dropped from the index',
          (place) =>
            place.gallery.templates.listForPerson(jackId).length === 1 &&
            place.gallery.search(embedding(second.path), 3).every((hit) => hit.templateId !== removed),
        );
        expect(recognised(engine, first.path)).toBe(jackId);
        expect(await engine.writes.deleteTemplate(jackId, removed, actor)).toBe(false);
        expect(await engine.writes.deleteTemplate(jackId + 999, kept, actor)).toBe(false);
        // Its photo stays counted as imported (an import re-run skips it), but may be enrolled again.
        expect(await engine.writes.photoRecord(sha(second.path))).toMatchObject({ templateId: null });
      });

      it('updates and deactivates a person everywhere; unknown ids and bad fields are refused', async () => {
        const updated = await engine.writes.updatePerson(
          jackId,
          { notes: 'night shift', active: false },
          actor,
        );
        expect(updated).toMatchObject({ notes: 'night shift', active: false });
        await everywhere('deactivated', (place) => place.gallery.people.require(jackId).active === false);
        await rejectsWith(engine.writes.updatePerson(jackId + 999, { notes: 'x' }, actor), 'NOT_FOUND');
        await rejectsWith(engine.writes.updatePerson(jackId, { name: '' }, actor), 'INVALID_INPUT');
        expect(engine.gallery.people.require(jackId).name).toBe('Jack');
        await engine.writes.updatePerson(jackId, { active: true }, actor);
      });

      it('imports a folder; a second run (at the other kiosk, at a site) imports nothing', async () => {
        const folder = path.join(dir, 'photos');
        for (const identity of ['katy', 'mark']) {
          mkdirSync(path.join(folder, identity === 'katy' ? 'Katy' : 'Mark'), { recursive: true });
          for (const photo of byIdentity(identity).slice(0, 2)) {
            copyFileSync(photo.path, path.join(folder, identity === 'katy' ? 'Katy' : 'Mark', photo.file));
          }
        }
        const options = (place: Place) => ({
          engine: analyzer,
          duplicateThreshold: 0.5,
          actor,
          writes: place.writes,
        });
        const first = await importFolder(engine.gallery, folder, options(engine));
        expect(first.images).toBe(4);
        expect(first.added, JSON.stringify(first.refused)).toBeGreaterThanOrEqual(2);
        expect(first.peopleCreated).toBe(2);
        await everywhere(
          'imported people everywhere',
          (place) =>
            place.gallery.people.findByName('Katy').length === 1 &&
            place.gallery.people.findByName('Mark').length === 1,
        );
        const second = await importFolder(engine.elsewhere.gallery, folder, options(engine.elsewhere));
        expect(second.added).toBe(0);
        expect(second.peopleCreated).toBe(0);
        expect(second.alreadyImported).toBe(first.added);
        expect(engine.gallery.people.count()).toBe(3);
      });

      it('enrols over a look-alike once confirmed: the pair is known everywhere, with the face', async () => {
        const photo = byIdentity('mark').at(-1)!;
        expect(byIdentity('mark').length, 'a Mark photo the import did not take').toBeGreaterThan(2);
        const face = (await analyzeFile(analyzer, photo.path, { embed: 'main' })).result;
        const mark = engine.gallery.people.findByName('Mark')[0];
        const twin = await engine.writes.createPerson({ name: 'Mark twin' }, actor);
        const options = {
          personId: twin.id,
          source: 'photo' as const,
          model: recognizerOf(analyzer),
          duplicateThreshold: 0.5,
          contentSha256: sha(photo.path),
          actor,
          writes: engine.writes,
        };
        const refused = await enrolFace(engine.gallery, face, options);
        expect(refused.accepted).toBe(false);
        expect(refused.quality.issues.map((i) => i.code)).toContain('duplicate');
        const forced = await enrolFace(engine.gallery, face, { ...options, force: true });
        expect(forced.accepted, forced.message).toBe(true);
        // The pair arrives with the face: no kiosk holds the twin's face without knowing the pair.
        await everywhere(
          'the pair with the face',
          (place) =>
            place.gallery.templates.listForPerson(twin.id).length === 1 &&
            place.gallery.differentPeople(twin.id).some((p) => p.personId === mark.id),
        );
        expect(engine.elsewhere.gallery.differentPeople(mark.id).map((p) => p.personId)).toContain(twin.id);
      });

      it("saves a schedule, a group and a person's access: the same rules everywhere; bad input refused", async () => {
        const rulesOf = (place: Place) => new AccessRulesStore(place.gallery.db);
        const ann = await engine.writes.createPerson({ name: 'Ann Rules' }, actor);
        await rejectsWith(engine.writes.saveSchedule({ name: '', windows: [] }), 'INVALID_INPUT');
        const schedule = await engine.writes.saveSchedule({
          name: 'Office hours',
          windows: [{ days: ['mon', 'tue'], start: '08:00', end: '18:00' }],
        });
        const group = await engine.writes.saveGroup({
          name: 'Staff',
          doors: ['main'],
          scheduleId: schedule.id,
          mode: 'face_or_pin',
        });
        // Returned: this place's copy holds it already (read back from the local file).
        expect(rulesOf(engine).group(group.id)).toMatchObject({ name: 'Staff', scheduleId: schedule.id });
        const until2030 = Date.parse('2030-01-01T00:00:00Z');
        const access = await engine.writes.setPersonAccess(ann.id, {
          groupIds: [group.id],
          validUntil: until2030,
        });
        expect(access).toMatchObject({ personId: ann.id, groupIds: [group.id] });
        expect(Date.parse(access.validUntil!)).toBe(until2030);
        const holiday = await engine.writes.saveHoliday({ date: '2030-12-25', name: 'Christmas' });
        expect(holiday).toMatchObject({ date: '2030-12-25', name: 'Christmas' });
        await everywhere('the rules', (place) => {
          const rules = rulesOf(place);
          return (
            rules
              .groups()
              .some((g) => g.id === group.id && g.scheduleId === schedule.id && g.mode === 'face_or_pin') &&
            rules.schedule(schedule.id).windows.length === 1 &&
            rules.personAccess(ann.id).groupIds.includes(group.id) &&
            rules.holidays().some((h) => h.date === '2030-12-25')
          );
        });
        // Renamed, then removed (group, holiday, schedule): gone everywhere.
        expect(
          (await engine.writes.saveGroup({ name: 'Staff 2', scheduleId: schedule.id }, group.id)).name,
        ).toBe('Staff 2');
        expect(await engine.writes.deleteGroup(group.id)).toBe(true);
        expect(await engine.writes.deleteHoliday(holiday.id)).toBe(true);
        expect(await engine.writes.deleteSchedule(schedule.id)).toBe(true);
        expect(await engine.writes.deleteGroup(group.id)).toBe(false);
        await everywhere('the rules removed', (place) => {
          const rules = rulesOf(place);
          return (
            !rules.groups().some((g) => g.id === group.id) &&
            !rules.schedules().some((x) => x.id === schedule.id) &&
            rules.holidays().length === 0 &&
            rules.personAccess(ann.id).groupIds.length === 0
          );
        });
      });

      it('sets a PIN and a badge: the person is found by them everywhere; a taken PIN is refused', async () => {
        const credentialsOf = (place: Place) => new CredentialStore(place.gallery.db);
        const pat = await engine.writes.createPerson({ name: 'Pat Pin' }, actor);
        const sam = await engine.writes.createPerson({ name: 'Sam Pin' }, actor);
        expect(await engine.writes.setCredentials(pat.id, { pin: '4711', badge: '0012345678' })).toEqual({
          personId: pat.id,
          pin: true,
          duressPin: false,
          badge: '0012345678',
        });
        await everywhere('the PIN and badge', (place) => {
          const store = credentialsOf(place);
          return (
            store.byTag(store.tag('4711'))?.credentials.personId === pat.id &&
            store.byBadge('0012345678')?.personId === pat.id
          );
        });
        // A PIN is stored as a hash and a tag, never as the digits.
        const stored = credentialsOf(engine.elsewhere).get(pat.id)!;
        expect(JSON.stringify(stored)).not.toContain('4711');
        await rejectsWith(engine.writes.setCredentials(sam.id, { pin: '4711' }), 'CONFLICT');
        await rejectsWith(
          engine.writes.setCredentials(pat.id, { pin: '1234', duressPin: '1234' }),
          'INVALID_INPUT',
        );
        // Removed: no longer found anywhere.
        await engine.writes.setCredentials(pat.id, { pin: null, badge: null });
        await everywhere('the PIN removed', (place) => {
          const store = credentialsOf(place);
          return store.byTag(store.tag('4711')) === undefined && store.byBadge('0012345678') === undefined;
        });
      });

      it('confirms and withdraws a look-alike pair: known everywhere, audited; a person with themselves refused', async () => {
        const lee = await engine.writes.createPerson({ name: 'Lee' }, actor);
        const leo = await engine.writes.createPerson({ name: 'Leo' }, actor);
        expect(await engine.writes.setDifferentPeople(lee.id, leo.id, true, actor, 0.61)).toBe(true);
        await everywhere('the pair', (place) =>
          place.gallery.differentPeople(leo.id).some((p) => p.personId === lee.id),
        );
        await rejectsWith(engine.writes.setDifferentPeople(lee.id, lee.id, true, actor), 'INVALID_INPUT');
        expect(await engine.writes.setDifferentPeople(lee.id, leo.id, false, actor)).toBe(true);
        expect(await engine.writes.setDifferentPeople(lee.id, leo.id, false, actor)).toBe(false);
        await everywhere('the pair withdrawn', (place) => place.gallery.differentPeople(leo.id).length === 0);
        await engine.settle();
        expect(await engine.auditActions()).toContain('people.different');
      });

      it('erases a person: gone from every index and the file, their events deleted, audited', async () => {
        const [, , query] = jack();
        const templates = engine.gallery.templates.listForPerson(jackId).map((t) => t.id);
        new EventLog(engine.gallery.db).append({
          personId: jackId,
          kind: 'check_in',
          doorOpened: true,
          device: 'kiosk',
        });
        await engine.settle();
        expect(await engine.eventsOf(jackId)).toBe(1);
        const lines: string[] = [];
        const erased = await engine.writes.erasePerson(jackId, 'delete', actor, (line) => lines.push(line));
        expect(erased).toMatchObject({
          id: jackId,
          templatesDeleted: 1,
          events: 'deleted',
          eventsAffected: 1,
        });
        expect(lines).toEqual([]);
        // Returned: this copy has dropped them at once; the other kiosk within moments.
        expect(engine.gallery.people.get(jackId)).toBeUndefined();
        expect(recognised(engine, query.path)).toBeNull();
        await everywhere('erased everywhere', (place) => recognised(place, query.path) === null);
        const left = (sql: string) =>
          (engine.gallery.db.sqlite.prepare(sql).get(...templates) as { n: number }).n;
        const marks = templates.map(() => '?').join(',');
        expect(left(`SELECT count(*) AS n FROM templates WHERE id IN (${marks})`)).toBe(0);
        expect(left(`SELECT count(*) AS n FROM template_embeddings WHERE template_id IN (${marks})`)).toBe(0);
        expect(await engine.eventsOf(jackId)).toBe(0);
        await rejectsWith(engine.writes.erasePerson(jackId, 'delete', actor), 'NOT_FOUND');

        await engine.settle();
        const actions = await engine.auditActions();
        for (const action of [
          'person.create',
          'template.add',
          'template.delete',
          'person.update',
          'gallery.import',
          'person.delete',
        ]) {
          expect(actions, action).toContain(action);
        }
      });
    });

    describe('site kiosk: when the site cannot be reached', () => {
      let dir: string;
      let pg: Postgres;
      let gallery: Gallery;
      let sync: KioskSync;
      let writes: SiteWrites;
      let admin: SiteStore;

      beforeAll(async () => {
        dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-store-offline-'));
        pg = new Postgres();
        await pg.init();
        admin = SiteStore.open(pg.url);
        await admin.migrate();
        await admin.ensureSite('Offline');
        gallery = Gallery.open(path.join(dir, 'kiosk.db'));
        await joinSite(admin, gallery, { name: 'k', door: 'k', version: 'test' });
        gallery.useModel(recognizerOf(analyzer));
        sync = new KioskSync({ url: pg.url, gallery, version: 'test', heartbeatMs: 500 });
        sync.start();
        await sync.whenCaughtUp();
        writes = new SiteWrites(sync, gallery);
      }, 60_000);
      afterAll(async () => {
        await sync?.stop();
        gallery?.close();
        await admin?.close();
        await pg?.destroy();
        rmSync(dir, { recursive: true, force: true });
      });

      it('a connection lost in the middle of a write fails that write, cleanly (no crash of the process)', async () => {
        const other = SiteStore.open(pg.url);
        try {
          await rejectsWith(
            admin.transaction('test', async (client) => {
              const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as {
                pid: number;
              };
              await other.query('kill', 'SELECT pg_terminate_backend($1)', [pid]);
              // The connection drops while no statement is running (the uncaught-error window).
              await new Promise((resolve) => setTimeout(resolve, 300));
              await client.query('SELECT 1');
            }),
            'DATABASE',
          );
          // The store still works: the dead connection was not handed out again.
          expect(await admin.schemaVersion()).toBeGreaterThan(0);
        } finally {
          await other.close();
        }
      });

      it('every write is refused with the reason and nothing is written locally or in the site', async () => {
        const [first] = byIdentity('jack');
        const person = await writes.createPerson({ name: 'Jack' }, actor);
        const enrolled = await enrolFace(gallery, faces.get(first.path)!, {
          personId: person.id,
          source: 'photo',
          model: recognizerOf(analyzer),
          duplicateThreshold: 0.5,
          contentSha256: sha(first.path),
          actor,
          writes,
        });
        expect(enrolled.accepted, enrolled.message).toBe(true);
        const folder = path.join(dir, 'photos', 'Mark');
        mkdirSync(folder, { recursive: true });
        copyFileSync(byIdentity('mark')[0].path, path.join(folder, 'mark.jpg'));
        const local = () => ({
          people: gallery.people.count(),
          templates: gallery.templates.count(),
          active: gallery.people.require(person.id).active,
        });
        const before = local();
        await pg.stop();
        try {
          const unreachable = /site database .* cannot be reached/;
          await expect(writes.createPerson({ name: 'Offline' }, actor)).rejects.toThrow(unreachable);
          await expect(writes.updatePerson(person.id, { active: false }, actor)).rejects.toThrow(unreachable);
          await expect(writes.deleteTemplate(person.id, enrolled.template!.id, actor)).rejects.toThrow(
            unreachable,
          );
          await expect(writes.erasePerson(person.id, 'delete', actor)).rejects.toThrow(unreachable);
          await expect(writes.saveGroup({ name: 'Offline group' })).rejects.toThrow(unreachable);
          await expect(writes.setPersonAccess(person.id, { validUntil: null })).rejects.toThrow(unreachable);
          await expect(writes.setCredentials(person.id, { badge: '0099887766' })).rejects.toThrow(
            unreachable,
          );
          await expect(writes.setDifferentPeople(person.id, person.id + 1, true, actor)).rejects.toThrow(
            unreachable,
          );
          await expect(
            importFolder(gallery, path.join(dir, 'photos'), {
              engine: analyzer,
              duplicateThreshold: 0.5,
              actor,
              writes,
            }),
          ).rejects.toThrow(unreachable);
          expect(local()).toEqual(before);
          // The copy written past the site (DeskWrites, as the service or CLI without the URL would):
          // refused too, not written where the next site change would undo it.
          const copy = Gallery.open(gallery.db.file);
          try {
            expect(copy.siteCopy).not.toBeNull();
            const desk = new DeskWrites(copy);
            await rejectsWith(desk.saveGroup({ name: 'Local group' }), 'CONFLICT');
            await rejectsWith(desk.setCredentials(person.id, { badge: '0099887766' }), 'CONFLICT');
            await rejectsWith(desk.setDifferentPeople(person.id, person.id + 1, true, actor), 'CONFLICT');
          } finally {
            copy.close();
          }
          expect(new AccessRulesStore(gallery.db).groups()).toEqual([]);
          expect(new CredentialStore(gallery.db).get(person.id)?.badge ?? null).toBeNull();
          // The frame path still decides from the local copy.
          expect(
            gallery.identify(requireMainFace(faces.get(first.path)!, first.path).embedding, {
              threshold: 0.3,
              margin: 0,
            }).person?.id,
          ).toBe(person.id);
        } finally {
          await pg.start();
        }
        const site = await until('site back', () => admin.counts().catch(() => null), 10_000);
        expect(site).toMatchObject({ people: 1, templates: 1 });
      }, 60_000);
    });
  },
);
