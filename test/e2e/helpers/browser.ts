import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../helpers/paths';
import { chromiumPath } from './environment';

/** Screenshots and other artefacts of the browser tests (git-ignored). */
export const artefactsDir = path.join(repoRoot, 'test-results', 'e2e');

const baseArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Chromium without a camera (admin and security checks). */
export async function launchPlain(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: baseArgs });
}

/**
 * Chromium with a fake camera that plays `video` (a .y4m, looped). The fake capture file is a
 * launch flag, so each video needs its own browser.
 */
export async function launchWithCamera(video: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
      '--autoplay-policy=no-user-gesture-required',
      ...baseArgs,
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artefactsDir, { recursive: true });
  const file = path.join(artefactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let axeSource: string | undefined;

/**
 * Run axe-core on the page as it is now; returns the serious and critical violations (the ones
 * that fail a test), each with the selectors of the elements at fault.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const loaded = await page.evaluate(
    () => typeof (globalThis as unknown as { axe?: unknown }).axe === 'object',
  );
  // page.addScriptTag adds an inline <script>, which the app's CSP (script-src 'self') rightly
  // refuses; evaluating the same source through the DevTools protocol is not subject to it.
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // Runs in the page; typed by hand because the tests are checked without the DOM library.
    const { axe, document } = globalThis as unknown as {
      document: unknown;
      axe: {
        run: (
          context: unknown,
          options: object,
        ) => Promise<{
          violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
        }>;
      };
    };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
