import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile, FaceAnalyzer, requireMainFace } from '../../../src/core/face';
import { recognizerOf } from '../../../src/core/gallery/face-engine';
import { Gallery } from '../../../src/core/gallery/gallery';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type FaceGateService } from '../../../src/core/service';
import { joinSite, KioskSync, SiteStore } from '../../../src/core/site';
import type { Status } from '../../../src/shared/contract';
import type { EnrolResult } from '../../../src/shared/people';
import { runCli } from '../../helpers/cli';
import { skipWithout } from '../../helpers/fixtures';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { Postgres, postgresBin } from '../../helpers/postgres';
import { until } from '../../helpers/until';

/**
 * Enrolment at a site kiosk's admin screen (the real service and face engine at kiosk A) goes to
 * the site database and reaches kiosk B through the change feed; with the site down it is refused
 * and nothing is written to A's copy.
 */
describe.skipIf(
  skipWithout(
    'PostgreSQL (apt-get install postgresql) and ../shared models/faces',
    Boolean(postgresBin) && hasSharedModels && hasSharedFaces,
  ),
)('enrolment from a site kiosk admin screen (real PostgreSQL, real engine)', () => {
  let dir: string;
  let pg: Postgres;
  let admin: SiteStore;
  let service: FaceGateService;
  let b: Gallery;
  let bSync: KioskSync;
  /** B's query faces (img2: Angelina, img12: Jennifer), embedded by the pack kiosk A runs. */
  const query: Record<string, Float32Array> = {};
  const seenAtB = (file: string) => b.identify(query[file], { threshold: 0.3, margin: 0 }).person?.id ?? null;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-site-enrol-'));
    pg = new Postgres();
    await pg.init();
    admin = SiteStore.open(pg.url);
    await admin.migrate();
    await admin.ensureSite('Office');
    const a = Gallery.open(path.join(dir, 'a.db'));
    await joinSite(admin, a, { name: 'Reception', door: 'main', version: 'test' });
    a.close();
    b = Gallery.open(path.join(dir, 'b.db'));
    await joinSite(admin, b, { name: 'Side door', door: 'side', version: 'test' });
    bSync = new KioskSync({ url: pg.url, gallery: b, version: 'test' });
    bSync.start();
  });

  afterAll(async () => {
    await service?.close();
    await bSync?.stop();
    b?.close();
    await admin?.close();
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a photo enrolled at A is recognised at B within 2 s; with the site down it is refused and nothing is written', async () => {
    service = await createFaceGateService({
      inference: createWorkerInferenceHost(),
      databasePath: path.join(dir, 'a.db'),
      siteUrl: pg.url,
      searchPath: [sharedModelsDir],
    });
    const session = service.openSession('test-admin');
    await service.call('admin.setupPin', { pin: '246813' }, session);
    const status = () => service.call('status.get', undefined, session) as Promise<Status>;
    await until('A online', async () => (await status()).site?.state === 'online', 10_000);
    const pack = (await status()).models.pack;
    expect(pack).toBeTruthy();

    // B's query face, embedded by the same pack kiosk A runs.
    const analyzer = await FaceAnalyzer.load({ pack: pack!, searchPath: [sharedModelsDir], threads: 1 });
    try {
      b.useModel(recognizerOf(analyzer));
      for (const name of ['img2.jpg', 'img12.jpg']) {
        const file = path.join(facesDir, name);
        query[name] = requireMainFace(
          (await analyzeFile(analyzer, file, { embed: 'main' })).result,
          file,
        ).embedding;
      }
    } finally {
      await analyzer.release();
    }
    expect(seenAtB('img2.jpg')).toBeNull();

    const photo = (name: string) => new Uint8Array(readFileSync(path.join(facesDir, name)));
    const person = (await service.call('people.create', { name: 'Angelina' }, session)) as { id: number };
    const result = (await service.call(
      'enrol.fromPhoto',
      { personId: person.id, fileName: 'img1.jpg', data: photo('img1.jpg'), force: false },
      session,
    )) as EnrolResult;
    expect(result.accepted, result.message).toBe(true);
    // In the site first (the kiosk's copy is written by the sync only).
    const inSite = await admin.people([person.id]);
    expect(inSite.people.map((p) => p.name)).toEqual(['Angelina']);
    expect(inSite.templates.map((t) => t.id)).toEqual([result.template!.id]);
    await until('B recognises the person enrolled at A', () => seenAtB('img2.jpg') === person.id, 2000);

    // The same gates as a single desk: a second person with the same face is a duplicate.
    const twin = (await service.call('people.create', { name: 'Twin' }, session)) as { id: number };
    const duplicate = (await service.call(
      'enrol.fromPhoto',
      { personId: twin.id, fileName: 'img2.jpg', data: photo('img2.jpg'), force: false },
      session,
    )) as EnrolResult;
    expect(duplicate.accepted).toBe(false);
    expect(duplicate.duplicateOf?.id).toBe(person.id);
    expect((await admin.people([twin.id])).templates).toEqual([]);

    const templatesAtA = async () =>
      ((await service.call('people.get', { id: person.id }, session)) as { templates: unknown[] }).templates
        .length;
    const peopleAtA = async () =>
      ((await service.call('people.list', {}, session)) as { total: number }).total;
    const before = { templates: await templatesAtA(), people: await peopleAtA() };
    await pg.stop();
    try {
      await expect(
        service.call(
          'enrol.fromPhoto',
          { personId: person.id, fileName: 'img2.jpg', data: photo('img2.jpg'), force: false },
          session,
        ),
      ).rejects.toThrow(/site database .* cannot be reached/);
      await expect(service.call('people.create', { name: 'Offline' }, session)).rejects.toThrow(
        /cannot be reached/,
      );
      expect({ templates: await templatesAtA(), people: await peopleAtA() }).toEqual(before);
    } finally {
      await pg.start();
    }
  }, 40_000);

  it('at a site kiosk: the same photo is refused, one template is removed everywhere, the roster import goes to the site', async () => {
    // Runs after the test above: the service of kiosk A is up and Angelina is enrolled (img1).
    expect(service).toBeDefined();
    const session = service.openSession('test-admin-2');
    await service.call('admin.login', { pin: '246813' }, session);
    // The test above stopped and restarted the server: A is back once its sync has reconnected.
    await until(
      'A online again',
      async () => ((await service.call('status.get', undefined, session)) as Status).site?.state === 'online',
      10_000,
    );
    const photo = (name: string) => new Uint8Array(readFileSync(path.join(facesDir, name)));
    const angelina = (
      (await service.call('people.list', { search: 'Angelina' }, session)) as {
        people: { id: number }[];
      }
    ).people[0];
    expect(angelina).toBeDefined();

    // "This very photo is already enrolled" (its hash is kept in the site): not a second template.
    const again = (await service.call(
      'enrol.fromPhoto',
      { personId: angelina.id, fileName: 'copy-of-img1.jpg', data: photo('img1.jpg'), force: true },
      session,
    )) as EnrolResult;
    expect(again.accepted).toBe(false);
    expect(again.quality.issues.map((i) => i.code)).toContain('already_enrolled');

    // A second face, then removing it: gone from the site and from kiosk B's index.
    const added = (await service.call(
      'enrol.fromPhoto',
      { personId: angelina.id, fileName: 'img4.jpg', data: photo('img4.jpg'), force: false },
      session,
    )) as EnrolResult;
    expect(added.accepted, added.message).toBe(true);
    const templateId = added.template!.id;
    await until('B holds the new template', () => b.templates.get(templateId) !== undefined, 2000);
    expect(
      await service.call('people.deleteTemplate', { personId: angelina.id, templateId }, session),
    ).toEqual({ removed: true });
    expect((await admin.people([angelina.id])).templates.map((t) => t.id)).not.toContain(templateId);
    await until('B dropped the template', () => b.templates.get(templateId) === undefined, 2000);
    expect(b.search(query['img2.jpg'], 1).every((hit) => hit.templateId !== templateId)).toBe(true);

    // The admin screen's bulk import (one roster row at a time) writes to the site; the same
    // photo in a second run is "imported before", at this kiosk or any other.
    const row = { line: 2, name: 'Mark R', employeeCode: 'R-1', groups: [], photo: 'img13.jpg' };
    const first = (await service.call(
      'roster.importRow',
      { row, photo: { fileName: 'img13.jpg', data: photo('img13.jpg') } },
      session,
    )) as { outcome: string; person: { id: number } | null };
    expect(first.outcome).toBe('enrolled');
    const inSite = await admin.people([first.person!.id]);
    expect(inSite.people.map((p) => p.employeeCode)).toEqual(['R-1']);
    expect(inSite.templates).toHaveLength(1);
    const second = (await service.call(
      'roster.importRow',
      { row, photo: { fileName: 'img13.jpg', data: photo('img13.jpg') } },
      session,
    )) as { outcome: string };
    expect(second.outcome).toBe('already_imported');
    expect((await admin.people([first.person!.id])).templates).toHaveLength(1);
  }, 40_000);

  it('`facegate enroll` on a kiosk file with FACEGATE_DATABASE_URL enrols in the site; site down: refused, file untouched', async () => {
    expect(query['img12.jpg']).toBeDefined();
    const file = path.join(dir, 'c.db');
    const c = Gallery.open(file);
    await joinSite(admin, c, { name: 'Back door', door: 'back', version: 'test' });
    c.close();
    const env = { FACEGATE_DATABASE_URL: pg.url, FACEGATE_MODELS_PATH: sharedModelsDir };
    const enrol = () =>
      runCli(['enroll', '--json', '--db', file, '--name', 'Jennifer', path.join(facesDir, 'img3.jpg')], {
        env,
      });

    const run = enrol();
    expect(run.status, run.stderr).toBe(0);
    const { person } = JSON.parse(run.stdout) as { person: { id: number; templateCount: number } };
    expect(person.templateCount).toBe(1);
    expect((await admin.people([person.id])).templates).toHaveLength(1);
    await until(
      'B recognises the person enrolled by the CLI',
      () => seenAtB('img12.jpg') === person.id,
      2000,
    );

    const count = () => {
      const g = Gallery.open(file);
      try {
        return g.templates.listForPerson(person.id).length;
      } finally {
        g.close();
      }
    };
    await pg.stop();
    try {
      const refused = enrol();
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/site database .* cannot be reached/);
      expect(count()).toBe(1);
    } finally {
      await pg.start();
    }
  }, 40_000);

  it('`facegate import DIR` and `--roster` at kiosk files go to the site: a re-run at another kiosk imports nothing; site down: refused, nothing written', async () => {
    // The test above stopped and restarted the server: the pool's old connections are gone.
    await until('site back', () => admin.schemaVersion().catch(() => null), 10_000);
    const kioskFile = async (name: string) => {
      const file = path.join(dir, `${name}.db`);
      const g = Gallery.open(file);
      await joinSite(admin, g, { name, door: name, version: 'test' });
      g.close();
      return file;
    };
    const [d, e] = [await kioskFile('d'), await kioskFile('e')];
    const folder = path.join(dir, 'import');
    mkdirSync(path.join(folder, 'Scarlett'), { recursive: true });
    for (const name of ['img8.jpg', 'img9.jpg'])
      copyFileSync(path.join(facesDir, name), path.join(folder, 'Scarlett', name));
    const env = { FACEGATE_DATABASE_URL: pg.url, FACEGATE_MODELS_PATH: sharedModelsDir };
    const importAt = (file: string) => runCli(['import', '--json', '--db', file, folder], { env });

    // An access group made in the site (at kiosk D), for the roster below.
    const staff = runCli(['groups', 'add', 'Staff', '--db', d], { env });
    expect(staff.status, staff.stderr).toBe(0);

    const first = importAt(d);
    expect(first.status, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { added: number; peopleCreated: number };
    expect(report).toMatchObject({ added: 2, peopleCreated: 1 });
    const scarlett = (
      await admin.query<{ id: string }>('find', "SELECT id FROM people WHERE name = 'Scarlett'")
    ).map((r) => Number(r.id));
    expect(scarlett).toHaveLength(1);
    expect((await admin.people(scarlett)).templates).toHaveLength(2);

    const second = importAt(e);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, alreadyImported: 2, peopleCreated: 0 });
    expect((await admin.people(scarlett)).templates).toHaveLength(2);

    // A roster at kiosk E: the person is added in the site with their photo and access group.
    const rosterDir = path.join(dir, 'roster');
    mkdirSync(rosterDir);
    copyFileSync(path.join(facesDir, 'img16.jpg'), path.join(rosterDir, 'jack.jpg'));
    writeFileSync(
      path.join(rosterDir, 'roster.csv'),
      'name,employee code,groups,photo\nJack,J-7,Staff,jack.jpg\n',
    );
    const roster = runCli(
      ['import', '--json', '--db', e, '--roster', path.join(rosterDir, 'roster.csv'), rosterDir],
      { env },
    );
    expect(roster.status, roster.stderr).toBe(0);
    const jack = (
      await admin.query<{ id: string }>('find', "SELECT id FROM people WHERE employee_code = 'J-7'")
    ).map((r) => Number(r.id));
    expect(jack).toHaveLength(1);
    expect((await admin.people(jack)).templates).toHaveLength(1);
    // The access group is the site's too (was only in E's copy, undone by the next change).
    const [staffGroup] = (await admin.accessRules()).groups.filter((g) => g.name === 'Staff');
    expect((await admin.people(jack)).people[0].groupIds).toEqual([staffGroup.id]);

    const counts = async () => admin.counts();
    const before = await counts();
    mkdirSync(path.join(folder, 'Mark'));
    copyFileSync(path.join(facesDir, 'img14.jpg'), path.join(folder, 'Mark', 'img14.jpg'));
    await pg.stop();
    try {
      // A roster's dry run reads the kiosk's copy only: it works while the site is down.
      const dryRun = runCli(
        ['import', '--dry-run', '--db', e, '--roster', path.join(rosterDir, 'roster.csv'), rosterDir],
        { env },
      );
      expect(dryRun.status, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toMatch(/to update Jack/);
      const refused = importAt(d);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/site database .* cannot be reached/);
      const copy = Gallery.open(d);
      try {
        expect(copy.people.findByName('Mark')).toEqual([]);
      } finally {
        copy.close();
      }
    } finally {
      await pg.start();
    }
    // The pool's connections died with the server: the first query after the restart may fail.
    const after = await until('site back', () => counts().catch(() => null), 10_000);
    expect(after).toMatchObject({ people: before.people, templates: before.templates });
  }, 90_000);
});
