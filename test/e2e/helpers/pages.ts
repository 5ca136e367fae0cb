import type { Browser, Page } from 'playwright-core';
import { screenshot, seriousAxeViolations, type AxeViolation } from './browser';

/**
 * The little of the page's window these helpers touch. The tests are type-checked without the DOM
 * library (tsconfig.json serves Node code), so page-side callbacks use this instead of `window`.
 */
export interface PageWindow {
  location: { hash: string };
}

/** The hash of the page's current address. */
export function currentHash(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as PageWindow).location.hash);
}

export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions in the page (a correct UI throws none). */
  errors: string[];
}

export async function openPage(
  browser: Browser,
  url: string,
  options: {
    onFrameSent?: (header: SentCall, blobBytes: number[]) => void;
    /** Runs in the page before its own scripts (e.g. to take an API away, as an older browser lacks it). */
    initScript?: () => void;
  } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const { onFrameSent } = options;
  if (onFrameSent)
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        if (typeof payload === 'string') return;
        const sent = sentCall(payload);
        if (sent) onFrameSent(sent.header, sent.blobs);
      }),
    );
  await page.goto(url);
  return { page, errors };
}

/** The JSON header of a binary call the page sent (src/server/codec.ts framing). */
export interface SentCall {
  t: string;
  name?: string;
  input?: Record<string, unknown>;
}

/** A binary WebSocket message as the codec frames it: its header and the length of each blob. */
function sentCall(payload: Buffer): { header: SentCall; blobs: number[] } | null {
  if (payload.byteLength < 4) return null;
  const headerLength = payload.readUInt32LE(0);
  const header = JSON.parse(payload.subarray(4, 4 + headerLength).toString('utf8')) as SentCall;
  const blobs: number[] = [];
  for (let at = 4 + headerLength; at + 4 <= payload.byteLength;) {
    const length = payload.readUInt32LE(at);
    blobs.push(length);
    at += 4 + length;
  }
  return { header, blobs };
}

/** Change the hash route inside the same page (the WebSocket connection, and its login, stay). */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    (globalThis as unknown as PageWindow).location.hash = h;
  }, hash);
}

/** Through the PIN screen: sets the PIN on first run, else logs in with it. */
export async function enterAdmin(page: Page, pin: string): Promise<void> {
  await go(page, '#/admin/people');
  const first = await page.waitForSelector('#new-pin, #pin, nav[aria-label]');
  const id = await first.getAttribute('id');
  if (id === 'new-pin') {
    await page.fill('#new-pin', pin);
    await page.fill('#confirm-pin', pin);
    await page.click('button[type="submit"]');
  } else if (id === 'pin') {
    await page.fill('#pin', pin);
    await page.click('button[type="submit"]');
  }
  await page.waitForSelector('nav[aria-label="Admin pages"]');
}

/** Screenshot the screen as a test artefact and return axe's serious and critical violations. */
export async function audit(page: Page, name: string): Promise<AxeViolation[]> {
  await screenshot(page, name);
  return seriousAxeViolations(page);
}

/**
 * Pairs the browser of this page as a kiosk, the way an administrator does it: Admin -> Kiosks
 * makes a code, then the kiosk screen (which shows "not paired") takes it. Leaves the page on the
 * kiosk, paired, with the admin logged out (leaving admin ends the session).
 */
export async function pairKiosk(page: Page, pin: string, name = 'Test kiosk'): Promise<void> {
  await enterAdmin(page, pin);
  await go(page, '#/admin/kiosks');
  await page.fill('#kiosk-name', name);
  await page.click('text=Make a pairing code');
  const code = await page.locator('[data-pairing-code]').getAttribute('data-pairing-code');
  if (!code) throw new Error('no pairing code on the Kiosks page');
  await go(page, '#/kiosk');
  await page.fill('#pairing-code', code);
  await page.click('text=Pair this kiosk');
  await page.locator('[data-pairing="unpaired"]').waitFor({ state: 'detached' });
}

/** The two desk screens every new admin screen is checked at (issue 14): a small kiosk panel and full HD. */
export const deskSizes = [
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
] as const;

/**
 * Screenshot the screen at both desk sizes (`<name>-1024x600.png`, `<name>-1920x1080.png`) and
 * return axe's serious and critical violations at either, and a page wider than the screen
 * (`horizontal-overflow`); the viewport is restored afterwards.
 */
export async function auditAtDeskSizes(page: Page, name: string): Promise<AxeViolation[]> {
  const before = page.viewportSize();
  const found: AxeViolation[] = [];
  for (const size of deskSizes) {
    await page.setViewportSize(size);
    found.push(...(await audit(page, `${name}-${size.width}x${size.height}`)));
    // Nothing may need sideways scrolling at either size.
    const wide = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
        .document.documentElement;
      return root.scrollWidth;
    });
    if (wide > size.width) {
      found.push({
        id: 'horizontal-overflow',
        impact: 'serious',
        help: `the page is ${wide} px wide at ${size.width} px`,
        nodes: [],
      });
    }
  }
  if (before) await page.setViewportSize(before);
  return found;
}
