import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHeadlessHost, type HeadlessHost } from '../../../src/server/host';
import { createSocketClient, type SocketLike } from '../../../src/server/client';
import type { FaceGateApi } from '../../../src/shared/contract';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { containFrame, rgbaFrameFromPhoto, toRgba } from '../service/camera-frames';
import { rgbToI420, yuvToRgb } from '../../../src/core/image';
import { startService, type Harness } from '../service/service-harness';
import { skipWithout } from '../../helpers/fixtures';

/** The browser client's own code, run under Node against the real host with `ws` as its WebSocket. */
function connect(url: string, origin: string) {
  return createSocketClient({
    url,
    connect: (u) => new WebSocket(u, { origin }) as unknown as SocketLike,
    retryMs: 50,
  });
}

/** Resolves with the HTTP status the upgrade was refused with, or 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'headless host (needs ../shared/faces)',
  () => {
    let h: Harness;
    let host: HeadlessHost;
    let rendererDir: string;
    let origin: string;
    let socketUrl: string;
    const clients: { close(): void }[] = [];

    beforeAll(async () => {
      h = await startService();
      rendererDir = mkdtempSync(path.join(os.tmpdir(), 'facegate-renderer-'));
      mkdirSync(path.join(rendererDir, 'assets'));
      writeFileSync(
        path.join(rendererDir, 'index.html'),
        '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body></body></html>',
      );
      writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'export {};');
      host = await startHeadlessHost({ service: h.service, port: 0, rendererDir });
      origin = `http://127.0.0.1:${host.port}`;
      socketUrl = `ws://127.0.0.1:${host.port}/facegate`;
    });
    afterAll(async () => {
      for (const c of clients) c.close();
      await host?.close();
      await h?.close();
      rmSync(rendererDir, { recursive: true, force: true });
    });

    const api = (o = origin): FaceGateApi => {
      const client = connect(socketUrl, o);
      clients.push(client);
      return client.api;
    };

    /** A browser kiosk paired the way an admin pairs one (a code from an admin connection). */
    const pairedApi = async (): Promise<FaceGateApi> => {
      const admin = api();
      await admin.admin.login({ pin: '246813' });
      const { code } = await admin.pairing.create({ name: 'Test kiosk' });
      const kiosk = api();
      await kiosk.pairing.redeem({ code });
      return kiosk;
    };

    it('binds to 127.0.0.1 by default', () => {
      expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
    });

    it('serves the app with a strict CSP and the client loaded before the app', async () => {
      const res = await fetch(host.url);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`ws://127.0.0.1:${host.port}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await res.text();
      expect(html.indexOf('/facegate-client.js')).toBeLessThan(html.indexOf('/assets/app.js'));
      const client = await fetch(new URL('/facegate-client.js', host.url));
      expect(client.status).toBe(200);
      expect(client.headers.get('content-type')).toContain('javascript');
      // Paths outside the renderer folder never leave it (unknown routes are the app itself).
      const outside = await fetch(`${host.url}..%2f..%2f..%2fetc%2fpasswd`);
      expect(await outside.text()).not.toContain('root:');
    });

    it('refuses a WebSocket from a foreign origin, a missing origin and a foreign Host', async () => {
      expect(await upgradeStatus(socketUrl, { Origin: 'http://evil.example' })).toBe(403);
      expect(await upgradeStatus(socketUrl, {})).toBe(403);
      expect(await upgradeStatus(socketUrl, { Origin: `http://127.0.0.1:${host.port + 1}` })).toBe(403);
      expect(await upgradeStatus(socketUrl, { Origin: 'http://evil.example', Host: 'evil.example' })).toBe(
        421,
      );
      expect(await upgradeStatus(socketUrl, { Origin: origin })).toBe(101);
      expect(await upgradeStatus(socketUrl, { Origin: `http://localhost:${host.port}` })).toBe(101);
    });

    it('answers kiosk calls without a PIN and refuses admin calls until this connection logs in', async () => {
      const facegate = api();
      expect((await facegate.status.get()).models.state).toBe('ready');
      await expect(facegate.people.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await facegate.admin.login({ pin: '0000' })).loggedIn).toBe(false);
      expect((await facegate.admin.login({ pin: '246813' })).loggedIn).toBe(true);
      expect((await facegate.people.list()).total).toBeGreaterThanOrEqual(0);
      // Another connection has its own session.
      await expect(api().people.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('carries a camera frame as binary and returns the analysis', async () => {
      const frame = await rgbaFrameFromPhoto(identityPhotos()[0].path);
      const result = await (await pairedApi()).frames.submit({ ...frame, timestamp: 42 });
      expect(result).toMatchObject({ status: 'processed', timestamp: 42, width: 640, height: 480 });
      if (result.status === 'processed') expect(result.faces.length).toBeGreaterThanOrEqual(1);
    });

    it('carries an I420 frame (the camera’s planes, 460,800 bytes): the same face, box and liveness as RGBA', async () => {
      // The whole portrait on grey, clear of the edges, so liveness judges it.
      const rgb = await containFrame(identityPhotos()[0].path);
      const planes = rgbToI420(rgb);
      expect(planes.byteLength).toBe(460_800);
      // The RGBA frame a browser would draw from those planes, and the planes themselves.
      const rgba = toRgba(yuvToRgb(planes, 640, 480, 'i420'));
      const viaRgba = await (await pairedApi()).frames.submit({ ...rgba, timestamp: 1 });
      const viaI420 = await (
        await pairedApi()
      ).frames.submit({
        width: 640,
        height: 480,
        format: 'i420',
        data: planes,
        timestamp: 2,
      });
      expect(viaRgba.status).toBe('processed');
      expect(viaI420).toMatchObject({ status: 'processed', timestamp: 2, width: 640, height: 480 });
      if (viaRgba.status !== 'processed' || viaI420.status !== 'processed') return;
      expect(viaI420.faces).toHaveLength(viaRgba.faces.length);
      const [a, b] = [viaRgba.faces[0], viaI420.faces[0]];
      expect(Math.abs(a.box.x1 - b.box.x1) + Math.abs(a.box.y2 - b.box.y2)).toBeLessThan(1);
      // Liveness ran on both (the pack has it) and reads the same pixels.
      expect(a.liveness?.verdict).toBe('live');
      expect(b.liveness?.verdict).toBe('live');
      expect(Math.abs((a.liveness?.score ?? 0) - (b.liveness?.score ?? 1))).toBeLessThan(0.01);
      // A frame whose bytes do not match its format is refused before any analysis.
      await expect(
        (await pairedApi()).frames.submit({ ...rgba, format: 'i420', timestamp: 3 }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('i420') });
    });

    it('reports invalid input with the contract’s message', async () => {
      const kiosk = await pairedApi();
      await expect(
        kiosk.frames.submit({ width: 640, height: 480, data: new Uint8Array(3), timestamp: 0 }),
      ).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('frames.submit'),
      });
    });

    it('pushes events, and admin events only to logged-in connections', async () => {
      const kiosk = await pairedApi();
      const admin = api();
      await admin.admin.login({ pin: '246813' });
      const kioskSeen: string[] = [];
      const adminSeen: string[] = [];
      kiosk.on('people.changed', () => kioskSeen.push('people'));
      admin.on('people.changed', () => adminSeen.push('people'));
      const status = new Promise((resolve) => kiosk.on('status.changed', resolve));
      await kiosk.status.reportCamera({ state: 'ok', label: 'Test camera' });
      expect(await status).toMatchObject({ camera: { state: 'ok', label: 'Test camera' } });
      await admin.people.create({ name: 'Pushed Person' });
      await new Promise((r) => setTimeout(r, 300));
      expect(adminSeen).toEqual(['people']);
      expect(kioskSeen).toEqual([]);
    });
    it('bounds the connections: past the limit an upgrade is refused with 503 (issue 13)', async () => {
      const small = await startHeadlessHost({ service: h.service, port: 0, rendererDir, maxConnections: 3 });
      const url = `ws://127.0.0.1:${small.port}/facegate`;
      const open: WebSocket[] = [];
      for (let i = 0; i < 3; i++) {
        const ws = new WebSocket(url, { origin: `http://127.0.0.1:${small.port}` });
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        open.push(ws);
      }
      expect(await upgradeStatus(url, { Origin: `http://127.0.0.1:${small.port}` })).toBe(503);
      open[0].close();
      await new Promise((r) => setTimeout(r, 200));
      expect(await upgradeStatus(url, { Origin: `http://127.0.0.1:${small.port}` })).toBe(101);
      for (const ws of open) ws.close();
      await small.close();
    });

    it('refuses calls past the in-flight limit of a connection instead of queueing them', async () => {
      const small = await startHeadlessHost({
        service: h.service,
        port: 0,
        rendererDir,
        connectionLimits: { maxCallsInFlight: 4 },
      });
      const ws = new WebSocket(`ws://127.0.0.1:${small.port}/facegate`, {
        origin: `http://127.0.0.1:${small.port}`,
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const results: { ok: boolean; error?: { message: string } }[] = [];
      ws.on('message', (data: Buffer) => results.push(JSON.parse(data.toString('utf8'))));
      for (let id = 1; id <= 20; id++)
        ws.send(JSON.stringify({ t: 'call', id, name: 'status.get', input: {} }));
      await expect.poll(() => results.length).toBe(20);
      expect(results.filter((r) => r.ok).length).toBeLessThan(20);
      expect(results.find((r) => !r.ok)?.error?.message).toMatch(/Too many calls/);
      ws.close();
      await small.close();
    });

    it('closes a connection that does not read its results instead of buffering without bound', async () => {
      const small = await startHeadlessHost({
        service: h.service,
        port: 0,
        rendererDir,
        connectionLimits: { maxBufferedBytes: 256 * 1024, maxCallsInFlight: 100_000 },
      });
      const ws = new WebSocket(`ws://127.0.0.1:${small.port}/facegate`, {
        origin: `http://127.0.0.1:${small.port}`,
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      // Stop reading (a stalled tab, a hostile script) and keep asking: about 1 KB per answer,
      // 40 MB in all, far more than the kernel's socket buffers and the host's bound.
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      let sent = 0;
      let isClosed = false;
      void closed.then(() => (isClosed = true));
      for (let batch = 0; batch < 40 && !isClosed; batch++) {
        for (let i = 0; i < 1000; i++)
          ws.send(JSON.stringify({ t: 'call', id: ++sent, name: 'status.get', input: {} }));
        await new Promise((r) => setTimeout(r, 100));
      }
      const rss = process.memoryUsage().rss;
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await closed;
      expect(isClosed).toBe(true);
      expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
      await small.close();
    }, 60_000);
  },
);
