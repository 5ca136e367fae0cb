import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../helpers/fixtures';
import { launchPlain } from './helpers/browser';
import { missingForE2e } from './helpers/environment';
import { audit, enterAdmin, go, openPage } from './helpers/pages';
import { ensureRendererBuilt } from './helpers/renderer-build';
import { startServe, type ServeProcess } from './helpers/serve';

const missing = missingForE2e();

describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))(
  'admin Integrations page in Chromium against `facegate serve` (needs chromium, ../shared)',
  () => {
    let tmp: string;
    let serve: ServeProcess;
    let browser: Browser;

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'facegate-e2e-integrations-'));
      await ensureRendererBuilt();
      serve = await startServe({ dataDir: path.join(tmp, 'data') });
      browser = await launchPlain();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }, 60_000);

    it('adds a webhook and an API key, shows each secret once, and the key works on the REST API', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await enterAdmin(page, '135791');
      await go(page, '#/admin/integrations');
      await page.waitForSelector('#webhook-url');

      await page.fill('#webhook-url', 'http://127.0.0.1:9/hook');
      await page.click('section[aria-labelledby="webhooks-title"] form button[type="submit"]');
      const secret = await (await page.waitForSelector('[data-secret="webhook"] code')).textContent();
      expect(secret).toMatch(/^whsec_/);
      await page.waitForSelector('table[data-table="webhooks"] tbody tr');
      await page.click('[data-secret="webhook"] button');
      expect(await page.$('[data-secret="webhook"]')).toBeNull();
      // The list shows only the hint, never the secret again.
      expect(await page.textContent('table[data-table="webhooks"]')).not.toContain(secret!);

      await page.fill('#key-name', 'payroll');
      await page.click('section[aria-labelledby="keys-title"] form button[type="submit"]');
      const key = (await (await page.waitForSelector('[data-secret="api-key"] code')).textContent())!;
      expect(key).toMatch(/^fgk_[0-9a-f]{8}_/);
      await page.waitForSelector('table[data-table="api-keys"] tbody tr');
      expect(await audit(page, 'admin-integrations')).toEqual([]);

      const ok = await fetch(new URL('/api/v1/events', serve.url), {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(ok.status).toBe(200);
      await page.click('table[data-table="api-keys"] button.danger');
      await page.waitForSelector('table[data-table="api-keys"] tbody tr >> text=Revoked');
      const revoked = await fetch(new URL('/api/v1/events', serve.url), {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(revoked.status).toBe(401);
      expect(errors).toEqual([]);
      await page.context().close();
    }, 120_000);
  },
);
