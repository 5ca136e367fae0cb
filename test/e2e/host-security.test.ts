import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FaceGateApi } from '../../src/shared/contract';
import { socketPath } from '../../src/server/codec';
import { launchPlain } from './helpers/browser';
import { missingForE2e } from './helpers/environment';
import { audit, enterAdmin, go, openPage, pairKiosk } from './helpers/pages';
import { ensureRendererBuilt } from './helpers/renderer-build';
import { startServe, type ServeProcess } from './helpers/serve';
import { skipWithout } from '../helpers/fixtures';

/**
 * What keeps a kiosk browser safe: the WebSocket only opens for the host's own pages, admin calls
 * need a PIN session, and wrong PINs lock the admin screen out for a while.
 */

const missing = missingForE2e();

/** What happens when a page opens the host's WebSocket: 'open', or how it failed. */
function tryWebSocketFromPage(page: Page, url: string): Promise<string> {
  return page.evaluate(
    (target) =>
      new Promise<string>((resolve) => {
        // The browser's WebSocket (this runs in the page), not the ws package imported above.
        type PageSocket = {
          onopen: () => void;
          onerror: () => void;
          onclose: (event: { code: number }) => void;
          close: () => void;
        };
        const PageWebSocket = (globalThis as unknown as { WebSocket: new (url: string) => PageSocket })
          .WebSocket;
        const socket = new PageWebSocket(target);
        socket.onopen = () => {
          socket.close();
          resolve('open');
        };
        socket.onerror = () => resolve('error');
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      }),
    url,
  );
}

/** The same from Node, with an Origin header of our choosing: 'open' or the HTTP status. */
function tryWebSocketFromNode(url: string, origin: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { origin });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
    socket.on('error', (error) => resolve(`error ${error.message}`));
  });
}

/** Calls an admin method from the page; resolves with 'ok' or the error code it was refused with. */
function adminCall(
  page: Page,
  call: 'people.list' | 'settings.get' | 'door.open' | 'events.exportCsv',
): Promise<string> {
  return page.evaluate(async (name) => {
    const [group, method] = name.split('.');
    const api = (
      globalThis as unknown as { facegate: Record<string, Record<string, () => Promise<unknown>>> }
    ).facegate;
    try {
      await api[group][method]();
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  }, call);
}

describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))(
  `headless host security in Chromium${missing.length ? ` (skipped: no ${missing.join(', ')})` : ''}`,
  () => {
    let tmp: string;
    let serve: ServeProcess;
    let browser: Browser;
    let foreign: Server;
    let foreignUrl: string;

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'facegate-e2e-sec-'));
      await ensureRendererBuilt();
      serve = await startServe({ dataDir: path.join(tmp, 'data') });
      browser = await launchPlain();
      // Another site on this machine (another port is another origin).
      foreign = createServer((_req, res) =>
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>Elsewhere</h1>'),
      );
      await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
      foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      if (foreign) await new Promise((resolve) => foreign.close(resolve));
      await serve?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }, 60_000);

    it('opens the WebSocket for its own page and refuses a page from another origin', async () => {
      const socketUrl = `ws://127.0.0.1:${serve.port}${socketPath}`;
      const own = await openPage(browser, `${serve.url}#/admin`);
      expect(await tryWebSocketFromPage(own.page, socketUrl)).toBe('open');
      const other = await openPage(browser, foreignUrl);
      expect(await tryWebSocketFromPage(other.page, socketUrl)).not.toBe('open');
      await own.page.context().close();
      await other.page.context().close();

      expect(await tryWebSocketFromNode(socketUrl, serve.origin)).toBe('open');
      expect(await tryWebSocketFromNode(socketUrl, 'http://evil.example')).toBe('403');
      expect(await tryWebSocketFromNode(socketUrl, foreignUrl.replace(/\/$/, ''))).toBe('403');
    });

    it('refuses admin calls without a PIN session, allows them after login, refuses them again after logout', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin`);
      await page.waitForSelector('#new-pin, #pin');
      for (const call of ['people.list', 'settings.get', 'door.open', 'events.exportCsv'] as const) {
        expect(await adminCall(page, call), call).toBe('UNAUTHORIZED');
      }
      await enterAdmin(page, '135791');
      expect(await adminCall(page, 'people.list')).toBe('ok');
      // Another browser (another connection) does not share this page's login.
      const other = await openPage(browser, `${serve.url}#/admin`);
      await other.page.waitForSelector('#pin');
      expect(await adminCall(other.page, 'people.list')).toBe('UNAUTHORIZED');
      await other.page.context().close();
      await page.click('text=Log out');
      await page.waitForSelector('#pin');
      expect(await adminCall(page, 'people.list')).toBe('UNAUTHORIZED');
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it('shows In/Out buttons in explicit mode, counts the choice down, and says when there is no camera', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin`);
      await enterAdmin(page, '135791');
      await go(page, '#/admin/recognition');
      await page.check('text=In / Out buttons at the kiosk');
      await page.click('text=Save settings');
      await page.locator('.notice.success').waitFor();
      await pairKiosk(page, '135791', 'Explicit desk');
      // This browser has no camera at all: the kiosk says so instead of a black box.
      const cameraState = page.locator('[data-camera-state]');
      await cameraState.waitFor();
      await expect
        .poll(() => cameraState.getAttribute('data-camera-state'))
        .toMatch(/^(no_camera|permission_denied)$/);
      const comingIn = page.locator('button', { hasText: 'Coming in' });
      expect(await comingIn.getAttribute('aria-pressed')).toBe('false');
      await comingIn.click();
      await expect.poll(() => comingIn.getAttribute('aria-pressed')).toBe('true');
      await expect
        .poll(() => page.locator('.chosen').textContent())
        .toMatch(/Coming in: look at the camera \(\d+ s\)/);
      expect(await audit(page, 'kiosk-explicit-no-camera')).toEqual([]);
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it('shows an unpaired browser kiosk the pairing screen, and its frames are refused', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/kiosk`);
      const notice = page.locator('[data-pairing="unpaired"]');
      await notice.waitFor();
      expect(await notice.locator('h1').textContent()).toBe(
        'This kiosk is not paired — ask an administrator',
      );
      const refused = await page.evaluate(async () => {
        const api = (globalThis as unknown as { facegate: FaceGateApi }).facegate;
        const frame = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4), timestamp: 1 };
        return api.frames.submit(frame).then(
          () => 'processed',
          (error: { code: string }) => error.code,
        );
      });
      expect(refused).toBe('UNAUTHORIZED');
      expect(await audit(page, 'kiosk-unpaired')).toEqual([]);

      // Paired by an admin through the screens, listed in Admin -> Kiosks, then unpaired there.
      await pairKiosk(page, '135791', 'Lobby');
      await page.locator('[data-camera-state]').waitFor();
      const admin = await openPage(browser, `${serve.url}#/admin`);
      await enterAdmin(admin.page, '135791');
      await go(admin.page, '#/admin/kiosks');
      const row = admin.page.locator('tr[data-kiosk="Lobby"]');
      await row.waitFor();
      expect(await audit(admin.page, 'admin-kiosks')).toEqual([]);
      await admin.page.click('text=Unpair Lobby');
      await row.waitFor({ state: 'detached' });
      const afterRevoke = await page.evaluate(async () => {
        const api = (globalThis as unknown as { facegate: FaceGateApi }).facegate;
        return (await api.pairing.state()).paired;
      });
      expect(afterRevoke).toBe(false);
      expect(admin.errors).toEqual([]);
      await admin.page.context().close();
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it('ends the admin session when leaving admin for the kiosk: coming back asks for the PIN', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin`);
      await enterAdmin(page, '135791');
      await page.click('text=Back to the kiosk');
      await page.locator('[data-pairing], [data-camera-state], .kiosk').first().waitFor();
      await go(page, '#/admin/people');
      await page.waitForSelector('#pin');
      expect(await page.locator('nav[aria-label="Admin pages"]').count()).toBe(0);
      expect(await adminCall(page, 'people.list')).toBe('UNAUTHORIZED');
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it('locks the PIN screen after repeated wrong PINs and says how long to wait', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin`);
      await page.waitForSelector('#pin');
      const lockout = page.locator('[data-lockout]');
      for (let attempt = 0; attempt < 10 && !(await lockout.isVisible()); attempt++) {
        await page.fill('#pin', '0000');
        await page.click('button[type="submit"]');
        // Wait for the answer: the button is enabled again, or the lockout shows.
        await page.locator('button[type="submit"]:enabled, [data-lockout]').first().waitFor();
      }
      await lockout.waitFor();
      expect(await lockout.textContent()).toMatch(/Try again in \d+ s/);
      expect(await page.isDisabled('#pin')).toBe(true);
      // Even the right PIN is refused while locked out (checked on the service, not just the UI).
      const state = await page.evaluate(() =>
        (globalThis as unknown as { facegate: FaceGateApi }).facegate.admin.login({ pin: '135791' }),
      );
      expect(state.loggedIn).toBe(false);
      expect(state.lockedUntil).not.toBeNull();
      expect(await audit(page, 'admin-pin-locked')).toEqual([]);
      expect(errors).toEqual([]);
      await page.context().close();
    });
  },
);
