/**
 * The WebSocket row with a real browser as the kiosk: Debian's Chromium opens the host's socket
 * from the host's own origin, pairs with a code and streams the frame (two noisy versions in
 * turn), one in flight, at 30 fps, framing each message the way src/server/codec.ts does. Chromium
 * masks natively, so this is the transport a browser kiosk gets, not the bench's Node client.
 */
import { chromium } from 'playwright-core';
import { chromiumPath, hasChromium } from '../test/e2e/helpers/environment';
import { cameraClockSource } from './camera-clock';

export interface BrowserSocketTimes {
  latency: number[];
  analyze: number[];
  transport: number[];
  faces: number;
  elapsed: number;
  skipped: number;
}

export async function streamFromChromium(
  hostUrl: string,
  pairingCode: string,
  frames: [Uint8Array, Uint8Array],
  size: { width: number; height: number; format?: 'i420' },
  warmup: number,
  iterations: number,
  tick: number,
): Promise<BrowserSocketTimes | string> {
  if (!hasChromium) return `not measured: needs chromium (${chromiumPath})`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    // Any page of the host's origin may open its socket (a 404 is enough, and runs no app).
    await page.goto(new URL('/bench-blank', hostUrl).href);
    const args = {
      url: new URL('/facegate', hostUrl).href.replace(/^http/, 'ws'),
      code: pairingCode,
      frames: frames.map((f) => Buffer.from(f).toString('base64')),
      width: size.width,
      height: size.height,
      format: size.format ?? null,
      warmup,
      iterations,
      tick,
    };
    return (await page.evaluate(`(${pageScript})(${JSON.stringify(args)})`)) as BrowserSocketTimes;
  } finally {
    await browser.close();
  }
}

/** Runs in the page (plain JavaScript: no DOM types outside the renderer). */
const pageScript = `async (a) => {
  const frames = a.frames.map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const enc = new TextEncoder();
  const message = (id, name, input, blob) => {
    const header = enc.encode(JSON.stringify({ t: 'call', id, name, input }));
    if (!blob) return JSON.stringify({ t: 'call', id, name, input });
    const out = new Uint8Array(4 + header.length + 4 + blob.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, header.length, true);
    out.set(header, 4);
    view.setUint32(4 + header.length, blob.length, true);
    out.set(blob, 8 + header.length);
    return out;
  };
  const ws = new WebSocket(a.url);
  ws.binaryType = 'arraybuffer';
  let waiting = null;
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string') return;
    const m = JSON.parse(e.data);
    if (m.t === 'result' && waiting) { const w = waiting; waiting = null; w(m); }
  };
  await new Promise((r, j) => { ws.onopen = r; ws.onerror = () => j(new Error('socket failed')); });
  const call = (id, name, input, blob) => new Promise((r) => { waiting = r; ws.send(message(id, name, input, blob)); });
  const paired = await call(1, 'pairing.redeem', { code: a.code });
  if (!paired.ok) throw new Error(paired.error.message);
  const latency = [], analyze = [], transport = [];
  let faces = 0, clock = null;
  for (let i = 0; i < a.warmup + a.iterations; i++) {
    if (i === a.warmup) clock = (${cameraClockSource})(a.tick);
    if (clock) await clock.next();
    const sent = performance.now();
    // The frame is framed per call, as the kiosk's client does (a copy into the message).
    const result = await call(i + 2, 'frames.submit', { width: a.width, height: a.height, ...(a.format ? { format: a.format } : {}), data: { $bin: 0 }, timestamp: i }, frames[i % 2]);
    const took = performance.now() - sent;
    if (!result.ok) throw new Error(result.error.message);
    if (i >= a.warmup) {
      latency.push(took);
      if (result.value.status === 'processed') {
        analyze.push(result.value.timings.analyze);
        transport.push(took - result.value.timings.total);
        faces = Math.max(faces, result.value.faces.length);
      }
    }
  }
  ws.close();
  const elapsed = clock.span(performance.now() - clock.start);
  return { latency, analyze, transport, faces, elapsed, skipped: clock.pictures() - a.iterations };
}`;
