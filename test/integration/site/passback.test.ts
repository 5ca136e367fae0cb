import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type FaceGateService } from '../../../src/core/service';
import { joinSite, type SiteStore } from '../../../src/core/site';
import type { Status } from '../../../src/shared/contract';
import { runCli } from '../../helpers/cli';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { postgresBin, type Postgres } from '../../helpers/postgres';
import { Kiosk, startSiteWithFaces } from '../../helpers/site-kiosk-process';
import { until } from '../../helpers/until';

/**
 * Anti-passback across the kiosks of a site (docs/site.md): entry kiosks A and B and exit kiosk X
 * of one area, each its own process and SQLite file, on a real PostgreSQL. A face is recognised
 * from real photos by the real model (angelina: img1 enrolled, img2 at the door; jennifer:
 * img3/img12) and decided by the real access rules gate with PassbackGate over the site store.
 */
const ready = Boolean(postgresBin) && hasSharedModels && hasSharedFaces;

describe.skipIf(skipWithout('PostgreSQL (apt-get install postgresql) and ../shared models/faces', ready))(
  'anti-passback across kiosk processes of a site',
  () => {
    let dir: string;
    let pg: Postgres;
    let admin: SiteStore;
    let model: { modelId: string; modelSha256: string };
    const emb: Record<string, Float32Array> = {};
    let a: Kiosk;
    let b: Kiosk;
    let x: Kiosk;
    let service: FaceGateService | undefined;
    const people: Record<string, number> = {};
    const exits = ['X'];
    const inside = (kiosk: Kiosk, personId: number) =>
      kiosk.call<{ inside: boolean | null; passageSeq: number; passagesQueued: number }>('inside', {
        personId,
      });
    const enrol = async (name: string, file: string, probe: string) => {
      const { personId } = await admin.enrol({ name }, [
        { source: 'photo', embeddings: [{ ...model, vector: emb[file] }] },
      ]);
      await until(
        `every kiosk recognises ${name}`,
        async () =>
          (await Promise.all([a, b, x].map((k) => k.identify(emb[probe])))).every(
            (r) => r.personId === personId,
          ),
        2000,
      );
      return personId;
    };

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-passback-'));
      const site = await startSiteWithFaces('passback site', [
        'img1.jpg',
        'img2.jpg',
        'img3.jpg',
        'img12.jpg',
      ]);
      ({ pg, admin, model } = site);
      Object.assign(emb, site.emb);
      a = new Kiosk('A', path.join(dir, 'a.sqlite'));
      b = new Kiosk('B', path.join(dir, 'b.sqlite'));
      x = new Kiosk('X', path.join(dir, 'x.sqlite'));
      await Promise.all([a, b, x].map((k) => k.start(pg.url, model, exits)));
      await until(
        'all kiosks online',
        async () => (await Promise.all([a, b, x].map((k) => k.status()))).every((s) => s.online),
        10_000,
      );
    });

    afterAll(async () => {
      await service?.close();
      await Promise.all([a, b, x].filter(Boolean).map((k) => k.kill()));
      await admin?.close();
      await pg?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('let in at A: refused for passback at B within 2 s; let out at X: let in at B; a reset at X reaches A and B', async () => {
      const angelina = await enrol('Angelina', 'img1.jpg', 'img2.jpg');
      people.angelina = angelina;
      expect(await a.present(emb['img2.jpg'])).toMatchObject({ personId: angelina, allowed: true });
      // The passage travels through the site: B knows she is inside within 2 s, and refuses her.
      await until('B holds the passage made at A', async () => (await inside(b, angelina)).inside, 2000);
      expect(await b.present(emb['img2.jpg'])).toMatchObject({
        personId: angelina,
        allowed: false,
        code: 'passback',
      });
      // A refuses her too, and an exit never refuses.
      expect(await a.present(emb['img2.jpg'])).toMatchObject({ allowed: false, code: 'passback' });
      expect(await x.present(emb['img2.jpg'])).toMatchObject({ personId: angelina, allowed: true });
      await until(
        'B holds the exit made at X',
        async () => (await inside(b, angelina)).inside === false,
        2000,
      );
      expect(await b.present(emb['img2.jpg'])).toMatchObject({ personId: angelina, allowed: true });
      await until('A holds the entry made at B', async () => (await inside(a, angelina)).inside, 2000);
      expect(await a.present(emb['img2.jpg'])).toMatchObject({ allowed: false, code: 'passback' });

      // passback.reset at one kiosk counts her as outside at every kiosk.
      expect((await x.call<{ reset: number }>('passbackReset', { personId: angelina })).reset).toBe(1);
      await until(
        'A and B hold the reset made at X',
        async () =>
          (await inside(a, angelina)).inside === null && (await inside(b, angelina)).inside === null,
        2000,
      );
      expect(await a.present(emb['img2.jpg'])).toMatchObject({ personId: angelina, allowed: true });
      // Every passage is in the site once: A in, X out, B in, X reset, A in.
      const stored = await until(
        'the last entry stored',
        async () => {
          const rows = await admin.query<{ kind: string; kiosk_id: string }>(
            'passages',
            'SELECT kind, kiosk_id FROM passages WHERE person_id = $1 ORDER BY at, seq',
            [angelina],
          );
          return rows.length >= 5 ? rows : undefined;
        },
        2000,
      );
      expect(stored.map((r) => `${r.kind}@${r.kiosk_id}`)).toEqual([
        `in@${a.kioskId}`,
        `out@${x.kioskId}`,
        `in@${b.kioskId}`,
        `reset@${x.kioskId}`,
        `in@${a.kioskId}`,
      ]);
    });

    it('with PostgreSQL stopped, a passage at A reaches B once it is back; late passages are ordered by time', async () => {
      const jennifer = await enrol('Jennifer', 'img3.jpg', 'img12.jpg');
      people.jennifer = jennifer;
      await pg.stop();
      await until(
        'A, B and X see they are offline',
        async () => (await Promise.all([a, b, x].map((k) => k.status()))).every((s) => !s.online),
        5000,
      );
      // Offline, A decides from its copy and queues the passage; B cannot know of it yet.
      expect(await a.present(emb['img12.jpg'])).toMatchObject({ personId: jennifer, allowed: true });
      expect(await inside(a, jennifer)).toMatchObject({ inside: true, passagesQueued: 1 });
      expect((await inside(b, jennifer)).inside).toBeNull();
      await pg.start();
      await until(
        'B holds the passage made at A while the site was down',
        async () => (await inside(b, jennifer)).inside,
        15_000,
      );
      expect(await b.present(emb['img12.jpg'])).toMatchObject({ allowed: false, code: 'passback' });

      // Down again: X lets her out, then A lets her in again; A's passage is the later one. X's
      // arrives last (X is killed before the site is back and restarted after): every kiosk still
      // ends with the later passage, A's (inside), whatever the order they arrived in.
      await pg.stop();
      await until(
        'offline again',
        async () => (await Promise.all([a, b, x].map((k) => k.status()))).every((s) => !s.online),
        5000,
      );
      expect(await x.present(emb['img12.jpg'])).toMatchObject({ personId: jennifer, allowed: true });
      await x.kill();
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A still counts her as inside (it has not heard of X): refused, as it should be offline.
      expect(await a.present(emb['img12.jpg'])).toMatchObject({ allowed: false, code: 'passback' });
      // So a reset at A (the admin's "count as outside"), then A lets her in: both after X's exit.
      await a.call('passbackReset', { personId: jennifer });
      expect(await a.present(emb['img12.jpg'])).toMatchObject({ personId: jennifer, allowed: true });
      await pg.start();
      await until(
        'A drained its passages',
        async () => (await a.status()).online && (await inside(a, jennifer)).passagesQueued === 0,
        15_000,
      );
      await until('B holds A’s late entry', async () => (await inside(b, jennifer)).inside, 2000);
      x = new Kiosk('X', x.file, x.kioskId);
      await x.start(pg.url, model, exits);
      await until(
        'X delivered its exit and every kiosk read every passage',
        async () => {
          const latest = await admin.query<{ s: string }>('max', 'SELECT max(seq) AS s FROM passages');
          const [sa, sb, sx] = await Promise.all([a, b, x].map((k) => inside(k, jennifer)));
          return (
            sx.passagesQueued === 0 &&
            [sa, sb, sx].every((s) => s.passageSeq === Number(latest[0].s)) &&
            (
              await admin.query(
                'n',
                `SELECT 1 FROM passages WHERE kiosk_id = $1 AND person_id = $2 AND kind = 'out'`,
                [x.kioskId, jennifer],
              )
            ).length > 0
          );
        },
        15_000,
      );
      // X's exit is older than A's reset and entry: inside everywhere, X included.
      for (const k of [a, b, x]) expect((await inside(k, jennifer)).inside).toBe(true);
      expect(await b.present(emb['img12.jpg'])).toMatchObject({ allowed: false, code: 'passback' });
    });

    it("passback.reset at a site kiosk's service, and `facegate people passback-reset` on a kiosk's file, reset the person at every kiosk", async () => {
      const { angelina, jennifer } = people;
      // Both are inside everywhere after the tests above.
      for (const k of [a, b]) {
        expect((await inside(k, angelina)).inside).toBe(true);
        expect((await inside(k, jennifer)).inside).toBe(true);
      }
      const file = path.join(dir, 'service.sqlite');
      const gallery = Gallery.open(file);
      await joinSite(admin, gallery, { name: 'Reception', door: 'main', version: 'test' });
      gallery.close();
      service = await createFaceGateService({
        inference: createWorkerInferenceHost(),
        databasePath: file,
        siteUrl: pg.url,
        searchPath: [sharedModelsDir],
        waitForModels: false,
      });
      const session = service.openSession('test-admin');
      await service.call('admin.setupPin', { pin: '246813' }, session);
      await until(
        'the service kiosk is online',
        async () =>
          ((await service!.call('status.get', undefined, session)) as Status).site?.state === 'online',
        10_000,
      );
      // The service's copy learns who is inside from the site's passages (read from its file; a
      // reset asked before that would drop them, as any later-arriving older passage is dropped).
      await until(
        'the service kiosk holds the passages',
        () => {
          const db = new Database(file, { readonly: true });
          try {
            return db
              .prepare('SELECT 1 FROM passback_state WHERE person_id = ? AND inside = 1')
              .get(jennifer);
          } catch {
            return undefined; // being written: read again
          } finally {
            db.close();
          }
        },
        5000,
      );
      const reset = await service.call('passback.reset', { personId: jennifer }, session);
      expect(reset).toEqual({ reset: 1 });
      await until(
        'A and B hold the reset',
        async () => {
          const [sa, sb] = await Promise.all([inside(a, jennifer), inside(b, jennifer)]);
          return sa.inside === null && sb.inside === null;
        },
        2000,
      );
      expect(await b.present(emb['img12.jpg'])).toMatchObject({ personId: jennifer, allowed: true });

      // The CLI on kiosk A's file (while A runs): queued in the file, sent up by A, seen at B.
      const cli = runCli(['people', 'passback-reset', String(angelina), '--json', '--db', a.file], {
        env: { FACEGATE_DATABASE_URL: undefined },
      });
      expect(cli.stderr).toBe('');
      expect(JSON.parse(cli.stdout)).toMatchObject({ reset: 1 });
      await until(
        'B holds the reset made by the CLI on A’s file',
        async () => (await inside(b, angelina)).inside === null,
        2000,
      );
      const resets = await admin.query<{ kiosk_id: string }>(
        'resets',
        `SELECT kiosk_id FROM passages WHERE kind = 'reset' AND person_id = $1 ORDER BY seq`,
        [angelina],
      );
      expect(resets.map((r) => r.kiosk_id)).toEqual([x.kioskId, a.kioskId]);
    });
  },
);
