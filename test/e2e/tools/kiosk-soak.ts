/**
 * Runs the kiosk for a while in Chromium against `facegate serve` and samples what would grow if
 * it leaked: JS heap (after a forced GC), DOM nodes, event listeners; plus the frame rate and the
 * page's frame round trip (grab -> frames.submit -> result). A measurement, not a test:
 *
 *   npx tsx test/e2e/tools/kiosk-soak.ts [--minutes 3] [--photo ../shared/faces/img17.jpg]
 *
 * Prints a table and writes JSON to bench/results/ui-kiosk-soak-<time>.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FaceGateApi } from '../../../src/shared/contract';
import { facesDir, repoRoot } from '../../helpers/paths';
import { launchWithCamera } from '../helpers/browser';
import { go, openPage, pairKiosk } from '../helpers/pages';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { startServe } from '../helpers/serve';
import { makeFakeCameraVideo } from '../helpers/videos';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    photo: { type: 'string', default: path.join(facesDir, 'img17.jpg') },
    enrol: {
      type: 'string',
      default: [path.join(facesDir, 'img16.jpg'), path.join(facesDir, 'img59.jpg')].join(','),
    },
    every: { type: 'string', default: '15' },
  },
});
const minutes = Number(values.minutes);
const everySeconds = Number(values.every);

type PageGlobals = { facegate: FaceGateApi; __soak: { rtt: number[] } };

const tmp = mkdtempSync(path.join(os.tmpdir(), 'facegate-soak-'));
await ensureRendererBuilt();
const video = await makeFakeCameraVideo(values.photo, path.join(tmp, 'camera.y4m'));
const serve = await startServe({ dataDir: path.join(tmp, 'data') });
const browser = await launchWithCamera(video);
try {
  const { page, errors } = await openPage(browser, `${serve.url}#/admin`);
  // Enrol the person on camera through the API (the admin screens have their own tests).
  const photos = values.enrol
    .split(',')
    .map((file) => ({ name: path.basename(file), bytes: [...readFileSync(file)] }));
  await page.evaluate(async (files) => {
    const { facegate } = globalThis as unknown as PageGlobals;
    await facegate.admin.setupPin({ pin: '246813' });
    const person = await facegate.people.create({ name: 'Soak' });
    for (const file of files) {
      await facegate.enrol.fromPhoto({
        personId: person.id,
        fileName: file.name,
        data: new Uint8Array(file.bytes),
      });
    }
    await facegate.admin.logout();
  }, photos);
  // A browser kiosk is paired once by an admin before it may send frames.
  await pairKiosk(page, '246813', 'Soak kiosk');

  // Time every frame round trip as the kiosk makes it.
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    g.__soak = { rtt: [] };
    const submit = g.facegate.frames.submit;
    g.facegate.frames.submit = async (frame) => {
      const start = performance.now();
      const result = await submit(frame);
      if (result.status === 'processed') g.__soak.rtt.push(performance.now() - start);
      return result;
    };
  });
  await go(page, '#/kiosk');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');

  const samples: Record<string, number>[] = [];
  const started = Date.now();
  for (;;) {
    await page.waitForTimeout(everySeconds * 1000);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const stats = await pageStats();
    samples.push({
      seconds: Math.round((Date.now() - started) / 1000),
      heapMB: +(metric('JSHeapUsedSize') / 1024 / 1024).toFixed(2),
      nodes: metric('Nodes'),
      listeners: metric('JSEventListeners'),
      ...stats,
    });
    console.table([samples.at(-1)]);
    if (Date.now() - started >= minutes * 60_000) break;
  }

  async function pageStats() {
    // Only plain expressions inside evaluate: tsx names functions with a helper the page lacks.
    const { status, rtt } = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      return { status: await g.facegate.status.get(), rtt: g.__soak.rtt.splice(0) };
    });
    rtt.sort((x, y) => x - y);
    const at = (q: number) =>
      rtt.length ? +rtt[Math.min(rtt.length - 1, Math.floor(q * rtt.length))].toFixed(1) : NaN;
    return {
      framesProcessed: status.camera.framesProcessed,
      framesDropped: status.camera.framesDropped,
      fps: +status.camera.fps.toFixed(2),
      rttMedianMs: at(0.5),
      rttP95Ms: at(0.95),
    };
  }

  const first = samples[0];
  const last = samples.at(-1) ?? first;
  console.log('\nKiosk soak (the machine is shared: figures are noisy)');
  console.table(samples);
  console.log(
    `heap ${first.heapMB} -> ${last.heapMB} MB, DOM nodes ${first.nodes} -> ${last.nodes}, listeners ${first.listeners} -> ${last.listeners}, page errors ${errors.length}`,
  );
  const out = path.join(repoRoot, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `ui-kiosk-soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { minutes, photo: values.photo, cores: os.cpus().length, samples, pageErrors: errors },
      null,
      2,
    ),
  );
  console.log(`saved ${path.relative(repoRoot, file)}`);
} finally {
  await browser.close();
  await serve.stop();
  rmSync(tmp, { recursive: true, force: true });
}
