import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterAdmin, type PageWindow } from '../e2e/helpers/pages';
import { skipUnlessPlatform, skipWithout, skipWithoutElectron } from '../helpers/fixtures';
import { RelayBoardSimulator } from '../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../helpers/socat';
import { packagedApp } from './packaged-app';

/**
 * Smoke tests of the real, packaged app (Playwright's _electron): it starts, the kiosk renders,
 * Chromium's fake camera (enabled only by --facegate-test-fake-camera) sends frames through the
 * preload to the utilityProcess and results come back, the admin PIN flow works, and quitting
 * relocks the door. Run by .github/workflows/release.yml (xvfb on Linux); skipped here, where the
 * Electron binary cannot be downloaded (see skipWithoutElectron).
 */
const executable = packagedApp();

/** What the page-side callbacks touch: the preload's API (tests are typed without the DOM). */
interface FaceGateWindow extends PageWindow {
  facegate: {
    status: { get(): Promise<{ camera: { framesProcessed: number }; models: { state: string } }> };
    admin: { state(): Promise<{ loggedIn: boolean }> };
    settings: { set(input: unknown): Promise<unknown> };
  };
}

describe.skipIf(skipWithoutElectron(executable))('the packaged Electron app', () => {
  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;
  const errors: string[] = [];

  async function launch(): Promise<void> {
    app = await electron.launch({
      executablePath: executable!,
      args: ['--facegate-test-fake-camera'],
      env: { ...process.env, FACEGATE_DATA_DIR: dataDir },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    page.on('pageerror', (error) => errors.push(error.message));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'facegate-electron-'));
    await launch();
  });
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on the kiosk, served from app://facegate, with window.facegate and nothing of Node', async () => {
    await page.waitForSelector('video');
    expect(page.url()).toMatch(/^app:\/\/facegate\//);
    expect(await page.evaluate(() => typeof (globalThis as unknown as FaceGateWindow).facegate)).toBe(
      'object',
    );
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(errors).toEqual([]);
  });

  it('fake camera frames go through the preload to the inference process and come back analysed', async () => {
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            (globalThis as unknown as FaceGateWindow).facegate.status.get().then((s) => s.models.state),
          ),
        { timeout: 120_000 },
      )
      .toBe('ready');
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            (globalThis as unknown as FaceGateWindow).facegate.status
              .get()
              .then((s) => s.camera.framesProcessed),
          ),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(3);
  });

  it('the admin PIN flow: set on first run, then the admin pages', async () => {
    await enterAdmin(page, '482913');
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as FaceGateWindow).facegate.admin.state().then((s) => s.loggedIn),
      ),
    ).toBe(true);
  });

  // Last: it quits the app. Serial ptys from socat: Linux runners only (the workflow installs socat).
  describe.skipIf(skipUnlessPlatform('linux'))('quitting relocks the door (Linux)', () => {
    describe.skipIf(skipWithout('socat', hasSocat))('socat pty, simulated LCUS board', () => {
      let pty: PtyPair;
      let board: RelayBoardSimulator;
      afterAll(async () => {
        await board?.close();
        await disposeAllPtyPairs();
      });

      it('the board hears OFF when the app quits', async () => {
        pty = await createPtyPair();
        board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
        await page.evaluate(
          (port) =>
            (globalThis as unknown as FaceGateWindow).facegate.settings.set({
              patch: { door: { enabled: true, pulseSeconds: 0.5, relay: { driver: 'lcus', port } } },
            }),
          pty.devicePath,
        );
        await board.waitForCommand((c) => !c.energise, { timeoutMs: 10_000 });
        const before = board.commands.length;
        await app.close();
        expect(board.commands.slice(before).some((c) => !c.energise)).toBe(true);
      });
    });
  });
});
