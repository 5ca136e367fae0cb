/**
 * What each wire format of a camera frame costs the kiosk, measured where the kiosk runs: in
 * Debian's Chromium (playwright-core), a 640x480 fake camera (a .y4m made with ffmpeg from a
 * shared photo), the kiosk's own way of grabbing (OffscreenCanvas drawImage + getImageData) and
 * the alternatives: RGB (alpha dropped in JavaScript), the camera's own planes through WebCodecs
 * (VideoFrame.copyTo, I420 from this camera), JPEG q0.9 (OffscreenCanvas.convertToBlob). Also the
 * copy into the WebSocket message (codec.ts frames a message by copying the blob into it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, hasChromium, hasFfmpeg } from '../test/e2e/helpers/environment';
import { makeFakeCameraVideo } from '../test/e2e/helpers/videos';
import { summarise } from './suite';

export interface KioskEncodeCost {
  format: string;
  bytes: number;
  /** Median ms in Chromium per frame, from the video's picture to the bytes to send. */
  encode: number;
  p95: number;
}

const round = (v: number) => Math.round(v * 100) / 100;

/** The costs, or why they could not be measured (no Chromium or ffmpeg here). */
export async function kioskEncodeCosts(
  photo: string,
  iterations: number,
): Promise<KioskEncodeCost[] | string> {
  if (!hasChromium || !hasFfmpeg)
    return `not measured: needs ${hasChromium ? '' : `chromium (${chromiumPath}) `}${hasFfmpeg ? '' : 'ffmpeg'}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-bench-encode-'));
  // A page on 127.0.0.1 (a secure context: getUserMedia works there).
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>encode</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${await makeFakeCameraVideo(photo, path.join(dir, 'camera.y4m'), { seconds: 2, fps: 30 })}`,
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
      '--disable-gpu',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const measured = (await page.evaluate(`(${pageScript})(${iterations})`)) as {
      times: Record<string, number[]>;
      bytes: Record<string, number>;
      planes: string;
    };
    const row = (format: string, key: string): KioskEncodeCost => {
      const s = summarise(measured.times[key]);
      return { format, bytes: measured.bytes[key], encode: round(s.median), p95: round(s.p95) };
    };
    return [
      row('RGBA (canvas drawImage + getImageData, today)', 'rgba'),
      row('copy of the RGBA frame into the WebSocket message', 'framing'),
      row('RGB (getImageData, alpha dropped in JS)', 'rgb'),
      row(`camera planes (WebCodecs VideoFrame.copyTo, ${measured.planes})`, 'i420'),
      row('JPEG q0.9 (drawImage + OffscreenCanvas.convertToBlob)', 'jpeg'),
    ];
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs in the page (plain JavaScript: this project's TypeScript has no DOM types outside the renderer). */
const pageScript = `async (n) => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement('video');
  video.srcObject = stream;
  video.muted = true;
  await video.play();
  const w = 640, h = 480;
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
  const times = { rgba: [], rgb: [], i420: [], jpeg: [], framing: [] };
  const bytes = {};
  let planes = '';
  const nextFrame = () => new Promise((r) => video.requestVideoFrameCallback(() => r()));
  for (let i = 0; i < n + 5; i++) {
    await nextFrame();
    const t0 = performance.now();
    ctx.drawImage(video, 0, 0, w, h);
    const drawn = performance.now();
    const rgba = ctx.getImageData(0, 0, w, h).data;
    const t1 = performance.now();
    const message = new Uint8Array(rgba.byteLength + 96);
    message.set(rgba, 96);
    const t2 = performance.now();
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
      rgb[q] = rgba[p];
      rgb[q + 1] = rgba[p + 1];
      rgb[q + 2] = rgba[p + 2];
    }
    const t3 = performance.now();
    const frame = new VideoFrame(video);
    planes = String(frame.format);
    const yuv = new Uint8Array(frame.allocationSize());
    await frame.copyTo(yuv);
    frame.close();
    const t4 = performance.now();
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    const t5 = performance.now();
    if (i < 5) continue;
    times.rgba.push(t1 - t0);
    times.framing.push(t2 - t1);
    times.rgb.push(t1 - t0 + (t3 - t2));
    times.i420.push(t4 - t3);
    times.jpeg.push(drawn - t0 + (t5 - t4));
    bytes.rgba = rgba.byteLength;
    bytes.rgb = rgb.byteLength;
    bytes.i420 = yuv.byteLength;
    bytes.jpeg = jpeg.byteLength;
    bytes.framing = message.byteLength;
  }
  stream.getTracks().forEach((t) => t.stop());
  return { times, bytes, planes };
}`;
