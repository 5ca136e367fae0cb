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

/**
 * The Groups & schedules and Accounts pages through their forms: each call clears the old notice,
 * says what it saved, shows a refused input as an alert, and leaves the buttons usable afterwards.
 */
describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))(
  'admin access and accounts pages in Chromium against `facegate serve` (needs chromium, ../shared)',
  () => {
    let tmp: string;
    let serve: ServeProcess;
    let browser: Browser;

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'facegate-e2e-access-admin-'));
      await ensureRendererBuilt();
      serve = await startServe({ dataDir: path.join(tmp, 'data') });
      browser = await launchPlain();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }, 60_000);

    it('saves a schedule, a group and a holiday, refuses a bad window with an alert, and adds an account', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await enterAdmin(page, '246813');
      await go(page, '#/admin/access');
      await page.waitForSelector('#schedule-name');

      // A window that is not one: the page says why, saves nothing, and the form stays usable.
      await page.fill('#schedule-name', 'Office');
      await page.fill('#schedule-windows', 'whenever');
      await page.click('form:has(#schedule-name) button[type="submit"]');
      expect(await (await page.waitForSelector('p[role="alert"]')).textContent()).toContain('whenever');
      expect(await page.$('li[data-schedule="Office"]')).toBeNull();

      await page.fill('#schedule-windows', 'mon-fri 08:00-18:00');
      await page.click('form:has(#schedule-name) button[type="submit"]:not([disabled])');
      await page.waitForSelector('li[data-schedule="Office"]');
      expect(await page.textContent('p[role="status"]')).toBe('Office was saved.');
      expect(await page.$('p[role="alert"]')).toBeNull();

      await page.fill('#group-name', 'Staff');
      await page.selectOption('#group-schedule', { label: 'Office' });
      await page.click('form:has(#group-name) button[type="submit"]:not([disabled])');
      await page.waitForSelector('tr[data-group="Staff"] >> text=Office');

      await page.fill('#holiday-date', '2026-12-25');
      await page.fill('#holiday-name', 'Christmas');
      await page.click('form:has(#holiday-name) button[type="submit"]:not([disabled])');
      await page.waitForSelector('li[data-holiday="2026-12-25"]');
      expect(await audit(page, 'admin-access')).toEqual([]);

      await page.click('li[data-holiday="2026-12-25"] button:not([disabled])');
      await page.waitForSelector('p[role="status"] >> text=Christmas was deleted.');
      expect(await page.$('li[data-holiday="2026-12-25"]')).toBeNull();

      await go(page, '#/admin/accounts');
      await page.waitForSelector('#account-name');
      // A secret that breaks the rule: refused by the service, shown as an alert.
      await page.fill('#account-name', 'hr');
      await page.fill('#account-secret', '12');
      await page.click('form:has(#account-name) button[type="submit"]');
      await page.waitForSelector('p[role="alert"]');
      expect(await page.$('tr[data-account="hr"]')).toBeNull();

      await page.fill('#account-name', 'hr');
      await page.fill('#account-secret', '97531864');
      await page.click('form:has(#account-name) button[type="submit"]:not([disabled])');
      await page.waitForSelector('tr[data-account="hr"]');
      expect(await page.textContent('p[role="status"]')).toBe('The account hr was added.');
      expect(await audit(page, 'admin-accounts')).toEqual([]);
      expect(errors).toEqual([]);
      await page.context().close();
    }, 120_000);
  },
);
