import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type CallerSession, type FaceGateService } from '../../../src/core/service';
import { joinSite, KioskSync, pgMigrations, SiteStore } from '../../../src/core/site';
import type { AccessDecision, CallInput, CallName, CallResult, Status } from '../../../src/shared/contract';
import { defaultSettings } from '../../../src/shared/settings';
import { runCli } from '../../helpers/cli';
import { rejectsWith } from '../../helpers/errors';
import { skipWithout } from '../../helpers/fixtures';
import { Postgres, postgresBin } from '../../helpers/postgres';
import { until } from '../../helpers/until';

/**
 * Access rules, kiosk credentials, look-alike pairs and site settings changed at one kiosk of a
 * site (the real service: its admin screen calls, or the CLI on its file) reach the other kiosks
 * within 2 s through the site database (a real PostgreSQL), and are refused with nothing written
 * while the server is stopped. Nothing here needs a face model: the rules, PINs and the 1:N
 * decision over stored vectors are what is tested (the services start with no model pack).
 */

interface Kiosk {
  service: FaceGateService;
  admin: CallerSession;
  kiosk: CallerSession;
  events: { name: string; payload: unknown }[];
  call<N extends CallName>(name: N, input?: CallInput<N>, session?: CallerSession): Promise<CallResult<N>>;
}

/** A fixed Monday 10:00 UTC at which the rules are asked (the site's time zone is UTC). */
const at = '2026-12-07T10:00:00.000Z';
const model = { modelId: 'test-model', modelSha256: 'c'.repeat(64) };
const unit = (values: number[]) => {
  const v = new Float32Array(values);
  const n = Math.hypot(...values);
  return v.map((x) => x / n);
};

describe.skipIf(skipWithout('PostgreSQL (apt-get install postgresql)', Boolean(postgresBin)))(
  'rules, credentials, look-alike pairs and settings made at a site kiosk reach the others (real PostgreSQL)',
  () => {
    let dir: string;
    let pg: Postgres;
    let site: SiteStore;
    let a: Kiosk;
    let b: Kiosk;
    let katy: number;
    let omar: number;
    let pat: number;
    let quinn: number;
    const fileOf = (name: string) => path.join(dir, `${name}.db`);

    const startKiosk = async (name: string): Promise<Kiosk> => {
      const empty = path.join(dir, 'no-models');
      mkdirSync(empty, { recursive: true });
      const service = await createFaceGateService({
        inference: createWorkerInferenceHost(),
        databasePath: fileOf(name),
        siteUrl: pg.url,
        searchPath: [empty],
        waitForModels: false,
      });
      const events: Kiosk['events'] = [];
      service.on((event, payload) => events.push({ name: event, payload }));
      const admin = service.openSession(`${name}-admin`);
      const kiosk = service.openSession(`${name}-kiosk`, { trustedKiosk: true });
      await service.call('admin.setupPin', { pin: '246813' }, admin);
      const k: Kiosk = {
        service,
        admin,
        kiosk,
        events,
        call: (call, input, session = admin) => service.call(call, input, session),
      };
      await until('kiosk online', async () => (await k.call('status.get')).site?.state === 'online', 10_000);
      return k;
    };

    /** The server stopped for `run`, started again after. */
    const offline = async (run: () => Promise<void>) => {
      await pg.stop();
      try {
        await run();
      } finally {
        await pg.start();
      }
      // This test's own connections too (an idle one may have been dropped with the server).
      await until(
        'the site answers',
        () =>
          site.query('ping', 'SELECT 1').then(
            () => true,
            () => false,
          ),
        15_000,
      );
      for (const k of [a, b])
        await until(
          'back online',
          async () => ((await k.call('status.get')) as Status).site?.state === 'online',
          15_000,
        );
    };

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-site-rules-'));
      pg = new Postgres();
      await pg.init();
      site = SiteStore.open(pg.url);
      await site.migrate();
      await site.ensureSite('Office');
      await site.setSetting('app.attendance', { ...defaultSettings.attendance, timeZone: 'UTC' });
      katy = (await site.enrol({ name: 'Katy' }, [])).personId;
      omar = (await site.enrol({ name: 'Omar' }, [])).personId;
      // Two look-alikes: Pat's face and Quinn's are 0.9 apart in cosine.
      pat = (
        await site.enrol({ name: 'Pat' }, [
          { source: 'photo', embeddings: [{ ...model, vector: unit([1, 0, 0, 0]) }] },
        ])
      ).personId;
      quinn = (
        await site.enrol({ name: 'Quinn' }, [
          { source: 'photo', embeddings: [{ ...model, vector: unit([0.9, Math.sqrt(1 - 0.81), 0, 0]) }] },
        ])
      ).personId;
      for (const [name, door] of [
        ['a', 'main'],
        ['b', 'side'],
        ['c', 'back'],
      ] as const) {
        const g = Gallery.open(fileOf(name));
        await joinSite(site, g, { name: name.toUpperCase(), door, version: 'test' });
        g.close();
      }
      a = await startKiosk('a');
      b = await startKiosk('b');
      await until(
        'both kiosks hold everyone',
        async () =>
          ((await a.call('people.list', {})) as { total: number }).total === 4 &&
          ((await b.call('people.list', {})) as { total: number }).total === 4,
        5000,
      );
    }, 60_000);

    afterAll(async () => {
      await a?.service.close();
      await b?.service.close();
      await site?.close();
      await pg?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a schedule, group, holiday and validity edited at A refuse and admit at B within 2 s; refused with the site down', async () => {
      const verdictAtB = async () => (await b.call('access.person', { personId: katy, at })).now;
      expect(await verdictAtB()).toMatchObject({ allowed: true, code: 'no_groups' });

      const office = await a.call('schedules.save', {
        name: 'Office',
        windows: [{ days: ['mon'], start: '09:00', end: '11:00' }],
      });
      const staff = await a.call('groups.save', { name: 'Staff', scheduleId: office.id, doors: 'all' });
      await a.call('access.setPerson', { personId: katy, groupIds: [staff.id] });
      // In the site, with the site's ids (the copy at A holds the same).
      const rules = await site.accessRules();
      expect(rules.groups.map((g) => [g.id, g.name])).toEqual([[staff.id, 'Staff']]);
      expect(rules.memberships).toEqual([[katy, staff.id]]);
      await until(
        'B admits Katy by the Staff group',
        async () => (await verdictAtB()).code === 'schedule',
        2000,
      );
      expect(await verdictAtB()).toMatchObject({ allowed: true, group: 'Staff', schedule: 'Office' });

      // The schedule narrowed at A: B refuses at 10:00.
      await a.call('schedules.save', {
        id: office.id,
        name: 'Office',
        windows: [{ days: ['mon'], start: '13:00', end: '17:00' }],
      });
      await until('B refuses outside the schedule', async () => !(await verdictAtB()).allowed, 2000);
      expect(await verdictAtB()).toMatchObject({ code: 'outside_schedule' });

      // Back to the morning, then a holiday that day: closed at B; removed: open again.
      await a.call('schedules.save', {
        id: office.id,
        name: 'Office',
        windows: [{ days: ['mon'], start: '09:00', end: '11:00' }],
      });
      await until('B admits again', async () => (await verdictAtB()).allowed, 2000);
      const holiday = await a.call('schedules.saveHoliday', { date: '2026-12-07', name: 'Founders day' });
      await until('B closed on the holiday', async () => (await verdictAtB()).code === 'holiday', 2000);
      await a.call('schedules.deleteHoliday', { id: holiday.id });
      await until('B open after the holiday is removed', async () => (await verdictAtB()).allowed, 2000);

      // Validity: the pass ended yesterday.
      await a.call('access.setPerson', { personId: katy, validUntil: '2026-12-06T00:00:00.000Z' });
      await until('B refuses the expired pass', async () => (await verdictAtB()).code === 'expired', 2000);
      await a.call('access.setPerson', { personId: katy, validUntil: null });
      await until('B admits again', async () => (await verdictAtB()).allowed, 2000);

      // A group that opens no door, made at A and given to Omar: refused at B.
      const visitors = await a.call('groups.save', { name: 'Visitors', doors: [] });
      await a.call('access.setPerson', { personId: omar, groupIds: [visitors.id] });
      await until(
        'B refuses Omar at its door',
        async () => (await b.call('access.person', { personId: omar, at })).now.code === 'no_door',
        2000,
      );

      // The CLI on a kiosk's file (kiosk C, not running): a group, and Katy put in it, through the site.
      const env = { FACEGATE_DATABASE_URL: pg.url };
      const added = runCli(['groups', 'add', 'Night', '--db', fileOf('c')], { env });
      expect(added.status, added.stderr).toBe(0);
      const edited = runCli(
        ['people', 'edit', String(katy), '--access-groups', 'Night', '--db', fileOf('c')],
        {
          env,
        },
      );
      expect(edited.status, edited.stderr).toBe(0);
      await until(
        'B admits Katy by the Night group',
        async () => (await verdictAtB()).group === 'Night',
        2000,
      );
      expect(await verdictAtB()).toMatchObject({ allowed: true, code: 'group' });
      // Without the site's address the kiosk's file refuses rather than keep the group to itself.
      const local = runCli(['groups', 'add', 'Other', '--db', fileOf('c')], {
        env: { FACEGATE_DATABASE_URL: undefined },
      });
      expect(local.status).not.toBe(0);
      expect(local.stderr).toMatch(/FACEGATE_DATABASE_URL/);

      // Site down: each edit refused with the reason, nothing written at A (nor in the site).
      const groupsAtA = async () => (await a.call('groups.list', {})).groups.map((g) => g.name);
      await until('A holds the group made at C too', async () => (await groupsAtA()).includes('Night'), 2000);
      const before = {
        groups: await groupsAtA(),
        katy: await a.call('access.person', { personId: katy, at }),
      };
      await offline(async () => {
        await expect(a.call('groups.save', { name: 'Night' })).rejects.toThrow(/cannot be reached/);
        await expect(
          a.call('schedules.save', { id: office.id, name: 'Office', windows: [] }),
        ).rejects.toThrow(/cannot be reached/);
        await expect(a.call('schedules.saveHoliday', { date: '2026-12-25', name: 'X' })).rejects.toThrow(
          /cannot be reached/,
        );
        await expect(a.call('access.setPerson', { personId: katy, groupIds: [] })).rejects.toThrow(
          /cannot be reached/,
        );
        expect(await groupsAtA()).toEqual(before.groups);
        expect(await a.call('access.person', { personId: katy, at })).toEqual(before.katy);
      });
      expect((await site.accessRules()).groups.map((g) => g.name).sort()).toEqual([
        'Night',
        'Staff',
        'Visitors',
      ]);
    }, 60_000);

    it('a PIN set at A opens at B, a duress PIN set at A raises duress at B; unique across the site; erased with the person; refused with the site down', async () => {
      const present = (pin: string) =>
        b.call('credentials.present', { pin }, b.kiosk) as Promise<AccessDecision>;
      await a.call('people.setCredentials', { personId: omar, pin: '2580', duressPin: '0000' });
      await a.call('access.setPerson', { personId: omar, groupIds: [] });
      // The site holds hashes and tags, never the PIN.
      const rows = await site.query('credentials', 'SELECT * FROM person_credentials');
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toMatch(/2580|"0000"/);
      await until(
        "B holds Omar's PINs",
        async () => (await b.call('people.credentials', { personId: omar })).duressPin,
        2000,
      );
      expect(await present('2580')).toMatchObject({ kind: 'granted', person: { id: omar } });

      const from = b.events.length;
      const duress = await present('0000');
      expect(duress).toMatchObject({ kind: 'granted', person: { id: omar } });
      await until(
        'B raised a duress alarm',
        () =>
          b.events
            .slice(from)
            .some((e) => e.name === 'alarm.raised' && (e.payload as { kind: string }).kind === 'duress'),
        2000,
      );

      // Omar's PIN cannot be Katy's, wherever it is set.
      await rejectsWith(b.call('people.setCredentials', { personId: katy, pin: '2580' }), 'CONFLICT');
      await rejectsWith(b.call('people.setCredentials', { personId: katy, duressPin: '0000' }), 'CONFLICT');
      await b.call('people.setCredentials', { personId: katy, badge: '0012345678' });
      await rejectsWith(a.call('people.setCredentials', { personId: omar, badge: '0012345678' }), 'CONFLICT');

      // Site down: refused, nothing written at A.
      await offline(async () => {
        await expect(a.call('people.setCredentials', { personId: katy, pin: '9999' })).rejects.toThrow(
          /cannot be reached/,
        );
        expect(await a.call('people.credentials', { personId: katy })).toMatchObject({ pin: false });
      });

      // Erased at A: gone from the site and from B (the PIN opens nothing).
      await a.call('people.delete', { id: omar });
      expect(await site.query('credentials', 'SELECT person_id FROM person_credentials')).toEqual([
        { person_id: String(katy) },
      ]);
      await until(
        'B dropped Omar',
        async () => ((await b.call('people.list', {})) as { total: number }).total === 3,
        2000,
      );
      expect(await present('2580')).toMatchObject({ kind: 'denied', person: null });
    }, 60_000);

    it('a look-alike pair confirmed at a kiosk (CLI on its file) is kept apart at another kiosk within 2 s; refused with the site down', async () => {
      // Kiosk D: a copy and its index in this process, asked directly.
      const d = Gallery.open(fileOf('d'));
      await joinSite(site, d, { name: 'D', door: 'lobby', version: 'test' });
      const sync = new KioskSync({ url: pg.url, gallery: d, version: 'test' });
      sync.start();
      try {
        await sync.whenCaughtUp();
        d.useModel(model);
        const rule = { threshold: 0.3, margin: 0.05 };
        // Pat's own face: Pat leads Quinn by 0.1, enough for the margin, not for a look-alike.
        expect(d.identify(unit([1, 0, 0, 0]), rule).person?.id).toBe(pat);

        const env = { FACEGATE_DATABASE_URL: pg.url };
        const confirm = () =>
          runCli(['people', 'different', String(pat), String(quinn), '--db', fileOf('c')], { env });
        const run = confirm();
        expect(run.status, run.stderr).toBe(0);
        await until(
          'D keeps Pat and Quinn apart',
          () => d.identify(unit([1, 0, 0, 0]), rule).decision === 'unknown',
          2000,
        );
        expect(d.differentPeople(pat).map((p) => p.personId)).toEqual([quinn]);
        // Without the site's address the kiosk file refuses rather than keep the pair to itself.
        const local = runCli(
          ['people', 'different', String(pat), String(quinn), '--withdraw', '--db', fileOf('c')],
          { env: { FACEGATE_DATABASE_URL: undefined } },
        );
        expect(local.status).not.toBe(0);
        expect(local.stderr).toMatch(/FACEGATE_DATABASE_URL/);

        await offline(async () => {
          const refused = runCli(
            ['people', 'different', String(pat), String(quinn), '--withdraw', '--db', fileOf('c')],
            { env },
          );
          expect(refused.status).not.toBe(0);
          expect(refused.stderr).toMatch(/cannot be reached/);
        });
        const c = Gallery.open(fileOf('c'), { readonly: true });
        try {
          expect(c.differentPeople(pat).map((p) => p.personId)).toEqual([quinn]);
        } finally {
          c.close();
        }
        expect(await site.query('pairs', 'SELECT count(*)::int AS n FROM distinct_people')).toEqual([
          { n: 1 },
        ]);
      } finally {
        await sync.stop();
        d.close();
      }
    }, 60_000);

    it('a kiosk of a site whose schema is older than it speaks stays offline and says to migrate, rather than look online and apply nothing', async () => {
      await site.query('create database', 'CREATE DATABASE old_site');
      const oldUrl = pg.url.replace(/\/facegate$/, '/old_site');
      const old = SiteStore.open(oldUrl);
      const e = Gallery.open(fileOf('e'));
      await joinSite(site, e, { name: 'E', door: 'e', version: 'test' });
      const sync = new KioskSync({ url: oldUrl, gallery: e, version: 'test' });
      try {
        await old.migrate(pgMigrations.slice(0, 1));
        sync.start();
        await until('the sync tried', () => sync.status().lastError !== null, 5000);
        expect(sync.status()).toMatchObject({ online: false });
        expect(sync.status().lastError).toMatch(/schema version 1; run `facegate site init`/);
      } finally {
        await sync.stop();
        e.close();
        await old.close();
      }
    }, 30_000);

    it('the recognition threshold changed in the site, or at A, applies at running kiosk B within 2 s; refused with the site down', async () => {
      const thresholdAt = async (k: Kiosk) => (await k.call('settings.get')).recognition.threshold;
      expect(await thresholdAt(b)).toBeNull();

      // Changed in the site directly (SiteStore, a script): both running kiosks use it.
      const current = (await b.call('settings.get')).recognition;
      await site.setSetting('app.recognition', { ...current, threshold: 0.47 });
      await until('B uses 0.47', async () => (await thresholdAt(b)) === 0.47, 2000);
      await until('A uses 0.47', async () => (await thresholdAt(a)) === 0.47, 2000);

      // Changed at A's admin screen: made in the site, applied at A before the call returns.
      await a.call('settings.set', { patch: { recognition: { threshold: 0.42 } } });
      expect(await thresholdAt(a)).toBe(0.42);
      expect((await site.settings(['app.recognition'])).get('app.recognition')).toMatchObject({
        threshold: 0.42,
      });
      await until('B uses 0.42', async () => (await thresholdAt(b)) === 0.42, 2000);

      // A kiosk's own section stays in its file.
      await a.call('settings.set', { patch: { kiosk: { language: 'de' } } });
      expect((await site.settings(['app.kiosk'])).size).toBe(0);

      await offline(async () => {
        await expect(a.call('settings.set', { patch: { recognition: { threshold: 0.5 } } })).rejects.toThrow(
          /cannot be reached/,
        );
        expect(await thresholdAt(a)).toBe(0.42);
      });
    }, 60_000);
  },
);
