import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type FaceGateService } from '../../../src/core/service';
import { joinSite, SiteStore } from '../../../src/core/site';
import type { Status } from '../../../src/shared/contract';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { Postgres, postgresBin } from '../../helpers/postgres';
import { until } from '../../helpers/until';

/** The app's service as a kiosk of a site: admin changes go to the site, the status says offline. */
describe.skipIf(
  skipWithout(
    'PostgreSQL (apt-get install postgresql) and ../shared/models',
    Boolean(postgresBin) && hasSharedModels,
  ),
)('the service as a kiosk of a site (real PostgreSQL)', () => {
  let dir: string;
  let pg: Postgres;
  let admin: SiteStore;
  let service: FaceGateService;
  const model = { modelId: 'm', modelSha256: 'b'.repeat(64) };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-site-service-'));
    pg = new Postgres();
    await pg.init();
    admin = SiteStore.open(pg.url);
    await admin.migrate();
    await admin.ensureSite('Office');
  });

  afterAll(async () => {
    await service?.close();
    await admin?.close();
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (databasePath: string) =>
    createFaceGateService({
      inference: createWorkerInferenceHost(),
      databasePath,
      siteUrl: pg.url,
      searchPath: [sharedModelsDir],
      waitForModels: false,
    });

  it('a database that has not joined the site is refused at start, with what to do', async () => {
    await expect(start(path.join(dir, 'stranger.db'))).rejects.toThrow(
      /has not joined it: run `facegate site join/,
    );
  });

  it('deactivate and erase from the admin screen are made in the site; offline shows', async () => {
    const databasePath = path.join(dir, 'kiosk.db');
    const gallery = Gallery.open(databasePath);
    await joinSite(admin, gallery, { name: 'Reception', door: 'main', version: 'test' });
    gallery.close();
    const { personId } = await admin.enrol({ name: 'Marie' }, [
      { source: 'photo', embeddings: [{ ...model, vector: new Float32Array([1, 2, 3, 4]) }] },
    ]);

    service = await start(databasePath);
    const session = service.openSession('test-admin');
    await service.call('admin.setupPin', { pin: '246813' }, session);
    const status = () => service.call('status.get', undefined, session) as Promise<Status>;
    await until('online', async () => (await status()).site?.state === 'online', 10_000);
    await until(
      'Marie copied',
      async () => {
        const list = (await service.call('people.list', {}, session)) as { people: { id: number }[] };
        return list.people.some((p) => p.id === personId);
      },
      2000,
    );

    const updated = (await service.call('people.update', { id: personId, active: false }, session)) as {
      active: boolean;
    };
    expect(updated.active).toBe(false);
    expect((await admin.people([personId])).people[0].active).toBe(false);

    await service.call('people.delete', { id: personId }, session);
    expect((await admin.people([personId])).people).toEqual([]);
    await expect(service.call('people.get', { id: personId }, session)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The erasure was audited and that entry travels up to the site.
    await until(
      'audit sent up',
      async () => {
        const rows = await admin.query('audit', `SELECT 1 FROM audit_events WHERE action = 'person.delete'`);

        return rows.length === 1;
      },
      5000,
    );

    await pg.stop();
    try {
      await until('offline shown', async () => (await status()).site?.state === 'offline', 5000);
      expect((await status()).site?.message).toMatch(/cannot be reached/);
    } finally {
      await pg.start();
    }
    await until('online again', async () => (await status()).site?.state === 'online', 10_000);
  });
});
