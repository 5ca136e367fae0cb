import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src/shared/events';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces } from '../../helpers/paths';
import { startService, type Harness } from './service-harness';

/**
 * The admin status page's download button through the service: licences first, a
 * non-commercial pack refused until accepted, and only for an admin session. (The transfer itself
 * is tested against a local server in test/integration/models/download.test.ts.)
 */
describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'models.licences and models.download (needs ../shared/faces)',
  () => {
    let h: Harness;
    let dataDir: string;
    const previous = process.env.FACEGATE_DATA_DIR;
    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'facegate-dl-service-'));
      process.env.FACEGATE_DATA_DIR = dataDir;
      h = await startService();
    });
    afterAll(async () => {
      await h?.close();
      if (previous === undefined) delete process.env.FACEGATE_DATA_DIR;
      else process.env.FACEGATE_DATA_DIR = previous;
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('needs an admin session', async () => {
      await expect(h.call('models.licences', { pack: 'open' }, h.kiosk)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(h.call('models.download', { pack: 'open' }, h.kiosk)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });

    it('shows the licences, and which packs need them accepted', async () => {
      const open = await h.call('models.licences', { pack: 'open' });
      expect(open.needsAcceptance).toBe(false);
      expect(open.licences.map((l) => l.model)).toContain('yunet-2023mar');
      const buffalo = await h.call('models.licences', { pack: 'buffalo_s' });
      expect(buffalo.needsAcceptance).toBe(true);
      expect(buffalo.licences.find((l) => l.model === 'w600k-mbf')?.commercialUse).toBe(false);
    });

    it('refuses a non-commercial pack whose licence was not accepted, before any download', async () => {
      const events: EventPayload<'job.progress'>[] = [];
      const off = h.service.on((name, payload) => {
        if (name === 'job.progress') events.push(payload as EventPayload<'job.progress'>);
      });
      await expect(h.call('models.download', { pack: 'buffalo_s' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/non-commercial use only/),
      });
      off();
      expect(existsSync(path.join(dataDir, 'models', 'buffalo_s'))).toBe(false);
      expect(events.at(-1)).toMatchObject({ kind: 'models.download', finished: true });
    });

    it('an unknown pack is a clear error', async () => {
      await expect(h.call('models.licences', { pack: 'nonesuch' })).rejects.toMatchObject({
        code: 'PACK_NOT_FOUND',
      });
    });
  },
);
