import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../../../src/server/host';
import { hasSharedFaces } from '../../helpers/paths';
import { startService, type Harness } from '../service/service-harness';
import { skipWithout } from '../../helpers/fixtures';

const chromiumPath = '/usr/bin/chromium';

/** What the page's script leaves behind (page-side code: tsconfig here has no DOM library). */
const pageResults = () =>
  (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document
    .body.dataset.results;

/** A page whose only script is external (the CSP forbids inline ones), as the real UI is. */
const appScript = `
const results = {};
try {
  results.shape = Object.keys(window.facegate).sort();
  results.status = (await window.facegate.status.get()).models.state;
  try { await window.facegate.people.list(); } catch (e) { results.adminError = e.code; }
  const frame = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4), timestamp: 7 };
  results.pairedBefore = (await window.facegate.pairing.state()).paired;
  if (!results.pairedBefore) {
    try { await window.facegate.frames.submit(frame); } catch (e) { results.unpairedFrame = e.code; }
    await window.facegate.pairing.redeem({ code: location.hash.slice(1) });
  }
  results.tokenKept = Boolean(localStorage.getItem('facegate.kiosk.deviceToken'));
  const result = await window.facegate.frames.submit(frame);
  results.frame = { status: result.status, faces: result.faces?.length, timestamp: result.timestamp };
  try { eval('1'); results.eval = 'allowed'; } catch { results.eval = 'blocked'; }
} catch (e) { results.error = String(e && e.message || e); }
document.body.dataset.results = JSON.stringify(results);
`;

describe.skipIf(skipWithout('../shared/faces and chromium', hasSharedFaces && existsSync(chromiumPath)))(
  'window.facegate in Chromium over the WebSocket (needs ../shared/faces, /usr/bin/chromium)',
  () => {
    let h: Harness;
    let host: HeadlessHost;
    let browser: Browser;
    let rendererDir: string;

    beforeAll(async () => {
      h = await startService();
      rendererDir = mkdtempSync(path.join(os.tmpdir(), 'facegate-renderer-'));
      mkdirSync(path.join(rendererDir, 'assets'));
      writeFileSync(
        path.join(rendererDir, 'index.html'),
        '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/assets/app.js"></script></head><body></body></html>',
      );
      writeFileSync(path.join(rendererDir, 'assets', 'app.js'), appScript);
      host = await startHeadlessHost({ service: h.service, port: 0, rendererDir });
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
      await host?.close();
      await h?.close();
      rmSync(rendererDir, { recursive: true, force: true });
    });

    it('provides the same API as the preload, sends frames as binary, and keeps the CSP strict', async () => {
      const { code } = await h.call('pairing.create', { name: 'Chromium' });
      const page = await browser.newPage();
      await page.goto(`${host.url}#${code}`);
      await page.waitForFunction(pageResults, undefined, { timeout: 20_000 });
      const results = JSON.parse((await page.evaluate(pageResults)) ?? '{}');
      expect(results.error).toBeUndefined();
      expect(results.shape).toEqual(
        expect.arrayContaining([
          'admin',
          'door',
          'enrol',
          'events',
          'frames',
          'models',
          'on',
          'people',
          'settings',
          'status',
        ]),
      );
      expect(results.status).toBe('ready');
      expect(results.adminError).toBe('UNAUTHORIZED');
      expect(results.frame).toEqual({ status: 'processed', faces: 0, timestamp: 7 });
      expect(results.eval).toBe('blocked');
      // Unpaired at first: its frame was refused; paired with the code; the token survives a reload.
      expect(results).toMatchObject({ pairedBefore: false, unpairedFrame: 'UNAUTHORIZED', tokenKept: true });
      await page.evaluate(() => {
        (
          globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }
        ).document.body.dataset.results = '';
      });
      await page.reload();
      await page.waitForFunction(pageResults, undefined, { timeout: 20_000 });
      const again = JSON.parse((await page.evaluate(pageResults)) ?? '{}');
      expect(again).toMatchObject({ pairedBefore: true, frame: { status: 'processed' } });
      await page.close();
    });
  },
);
