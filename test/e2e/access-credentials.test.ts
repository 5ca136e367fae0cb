import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir } from '../helpers/paths';
import { RelayBoardSimulator } from '../helpers/relay-board';
import { createPtyPair, type PtyPair } from '../helpers/socat';
import { launchWithCamera } from './helpers/browser';
import { missingForE2e } from './helpers/environment';
import { audit, enterAdmin, openPage, pairKiosk } from './helpers/pages';
import { ensureRendererBuilt } from './helpers/renderer-build';
import { startServe, type ServeProcess } from './helpers/serve';
import { makeFakeCameraVideo } from './helpers/videos';
import { skipWithout } from '../helpers/fixtures';

/**
 * Access rules, the PIN pad and duress in a real browser (issue 15): `facegate serve`, Chromium
 * with a fake camera playing Jack, a socat pty playing an LCUS relay board. Jack is in a group
 * whose schedule is closed now: "Not allowed now" and no relay bytes. The schedule then opens with
 * a face-and-PIN window: his face opens the PIN pad, his PIN (typed on the pad) opens the door.
 * His duress PIN opens it too and raises a silent duress alarm that only admin sees.
 */

const missing = missingForE2e();
const adminPin = '246813';
const lcusOn = Buffer.from('a00101a2', 'hex');

/** Calls the contract from the page's own connection (the admin page is logged in). */
function api<T>(page: Page, fn: string, arg: unknown): Promise<T> {
  return page.evaluate(
    ([name, input]) => {
      const [group, call] = (name as string).split('.');
      const target = (
        globalThis as unknown as { facegate: Record<string, Record<string, (i: unknown) => unknown>> }
      ).facegate[group][call];
      const value = input as { data?: number[] } | undefined;
      // Photo bytes cross as a plain array; the contract wants a Uint8Array.
      return target(
        value && Array.isArray(value.data) ? { ...value, data: new Uint8Array(value.data) } : value,
      );
    },
    [fn, arg] as const,
  ) as Promise<T>;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))(
  `access rules, PIN pad and duress end to end${missing.length ? ` (skipped: no ${missing.join(', ')})` : ''}`,
  () => {
    let tmp: string;
    let serve: ServeProcess;
    let pty: PtyPair;
    let board: RelayBoardSimulator;
    let video = '';
    let browser: Browser;
    let admin: Page;
    let jackId = 0;
    let scheduleId = 0;

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'facegate-e2e-access-'));
      [video] = await Promise.all([
        makeFakeCameraVideo(path.join(facesDir, 'img17.jpg'), path.join(tmp, 'jack.y4m')),
        ensureRendererBuilt(),
      ]);
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
      serve = await startServe({ dataDir: path.join(tmp, 'data') });
      browser = await launchWithCamera(video);
      admin = (await openPage(browser, `${serve.url}#/admin/people`)).page;
      await enterAdmin(admin, adminPin);
      await api(admin, 'settings.set', {
        patch: {
          door: { enabled: true, pulseSeconds: 1, relay: { driver: 'lcus', port: pty.devicePath } },
          liveness: { requiredForDoor: false },
          attendance: { timeZone: 'UTC' },
        },
      });
      jackId = (await api<{ id: number }>(admin, 'people.create', { name: 'Jack' })).id;
      for (const file of ['img16.jpg', 'img59.jpg']) {
        const result = await api<{ accepted: boolean; message: string }>(admin, 'enrol.fromPhoto', {
          personId: jackId,
          fileName: file,
          data: [...readFileSync(path.join(facesDir, file))],
        });
        expect(result.accepted, result.message).toBe(true);
      }
      // A schedule closed now (it opens in two hours), and Jack's group on it.
      const start = Date.now() + 2 * 3600_000;
      scheduleId = (
        await api<{ id: number }>(admin, 'schedules.save', {
          name: 'Late shift',
          windows: [{ days: everyDay, start: hhmm(start), end: hhmm(start + 3600_000) }],
        })
      ).id;
      const group = await api<{ id: number }>(admin, 'groups.save', { name: 'Staff', scheduleId });
      await api(admin, 'access.setPerson', { personId: jackId, groupIds: [group.id] });
      await api(admin, 'people.setCredentials', { personId: jackId, pin: '4711', duressPin: '9110' });
    }, 300_000);

    afterAll(async () => {
      await browser?.close().catch(() => {});
      await serve?.stop();
      await board?.close();
      await pty?.dispose();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }, 60_000);

    afterEach(async () => {
      // Only the admin page stays open between tests.
      await Promise.allSettled(
        browser
          .contexts()
          .filter((c) => c !== admin.context())
          .map((c) => c.close()),
      );
    });

    it('outside his schedule Jack gets "Not allowed now" and no byte reaches the relay', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await pairKiosk(page, adminPin, 'Front desk');
      const from = board.bytes().length;
      const result = page.locator('[data-result="denied"]');
      await result.waitFor({ timeout: 60_000 });
      expect(await result.textContent()).toContain('Not allowed now: outside the Late shift schedule.');
      await page.waitForTimeout(1500);
      expect(board.bytes().subarray(from).includes(lcusOn)).toBe(false);
      expect(errors).toEqual([]);
    }, 120_000);

    it('in a face-and-PIN window his face opens the PIN pad and his PIN (on the pad) opens the door', async () => {
      const now = Date.now();
      await api(admin, 'schedules.save', {
        id: scheduleId,
        name: 'Late shift',
        windows: [
          { days: everyDay, start: hhmm(now - 3600_000), end: hhmm(now + 3600_000), mode: 'face_and_pin' },
        ],
      });
      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await pairKiosk(page, adminPin, 'Front desk 2');
      const from = board.bytes().length;
      const pad = page.locator('[data-pinpad]');
      await pad.waitFor({ timeout: 60_000 });
      expect(await pad.textContent()).toContain('Enter your PIN, Jack');
      expect(await page.locator('[data-result="denied"]').textContent()).toContain(
        'Please enter your PIN too.',
      );
      // The face alone opened nothing.
      expect(board.bytes().subarray(from).includes(lcusOn)).toBe(false);
      expect(await audit(page, 'kiosk-pinpad')).toEqual([]);
      for (const digit of '4711') await page.click(`[data-digit="${digit}"]`);
      expect(await page.locator('[data-pin-length]').getAttribute('data-pin-length')).toBe('4');
      await page.click('[data-pin-submit]');
      await board.waitForBytes(lcusOn, { timeoutMs: 10_000 });
      const granted = page.locator('[data-result="granted"]');
      await granted.waitFor({ timeout: 10_000 });
      expect(await granted.textContent()).toContain('Jack');
      expect(errors).toEqual([]);
    }, 120_000);

    it('the duress PIN, typed on the keyboard, opens the door as usual and raises a silent duress alarm for admin', async () => {
      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await pairKiosk(page, adminPin, 'Front desk 3');
      await page.locator('[data-pinpad]').waitFor({ timeout: 60_000 });
      const since = Date.now();
      // A person types (well over the badge reader's 35 ms between keys).
      await page.keyboard.type('9110', { delay: 120 });
      await page.keyboard.press('Enter');
      await board.waitForBytes(lcusOn, { since, timeoutMs: 10_000 });
      await page.locator('[data-result="granted"]').waitFor({ timeout: 10_000 });
      // Nothing on the kiosk says duress.
      expect((await page.locator('main').textContent())?.toLowerCase()).not.toContain('duress');
      const alarms = await api<{ alarms: { kind: string; person: { name: string } | null }[] }>(
        admin,
        'alarms.list',
        {},
      );
      expect(alarms.alarms.find((a) => a.kind === 'duress')?.person?.name).toBe('Jack');
      await admin.evaluate(
        () => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/admin/home'),
      );
      await admin.locator('[data-alarm="duress"]').first().waitFor({ timeout: 10_000 });
      expect(errors).toEqual([]);
    }, 120_000);

    it('admin sets a badge on the person page; a keyboard-wedge reader after his face opens the door; the admin screens pass axe', async () => {
      await admin.evaluate(
        (id) =>
          ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/admin/people/${id}`),
        jackId,
      );
      await admin.locator('#credentials-title').waitFor({ timeout: 10_000 });
      await admin.locator('[data-credentials-pin="true"]').waitFor({ timeout: 10_000 });
      expect(await audit(admin, 'admin-person-credentials')).toEqual([]);
      await admin.fill('#credential-badge', '0012345678');
      await admin.click('text=Save PIN and badge');
      await admin.locator('.notice.success', { hasText: 'Saved.' }).waitFor({ timeout: 10_000 });
      expect(await api(admin, 'people.credentials', { personId: jackId })).toMatchObject({
        badge: '0012345678',
      });
      await admin.evaluate(
        () => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/admin/door'),
      );
      await admin.locator('#supervision-title').waitFor({ timeout: 10_000 });
      expect(await audit(admin, 'admin-door-supervision')).toEqual([]);

      const { page, errors } = await openPage(browser, `${serve.url}#/admin/people`);
      await pairKiosk(page, adminPin, 'Front desk 4');
      await page.locator('[data-pinpad]').waitFor({ timeout: 60_000 });
      const since = Date.now();
      // The reader types the number at machine speed (a few ms a key), then Enter. Dispatched in the
      // page in one go: keys sent one by one over CDP arrive tens of ms apart on a loaded machine,
      // which is a person's speed, not a reader's (the timing rule is unit-tested with exact times).
      await page.evaluate(() => {
        const target = (globalThis as unknown as { window: { dispatchEvent(e: unknown): boolean } }).window;
        const Key = (globalThis as unknown as { KeyboardEvent: new (t: string, i: object) => unknown })
          .KeyboardEvent;
        for (const key of [...'0012345678', 'Enter'])
          target.dispatchEvent(new Key('keydown', { key, bubbles: true }));
      });
      await board.waitForBytes(lcusOn, { since, timeoutMs: 10_000 });
      await page.locator('[data-result="granted"]').waitFor({ timeout: 10_000 });
      // The digits were a badge, not PIN digits left on the pad.
      expect(await page.locator('[data-pin-length]').count()).toBe(0);
      expect(errors).toEqual([]);
    }, 120_000);
  },
);
