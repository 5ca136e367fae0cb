import type { MessagePort, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePortEnd } from '../../../src/core/inference/frame-ports';
import { FramePortBroker, workerFramePortWiring } from '../../../src/core/service/frame-port-broker';
import type { FrameResult } from '../../../src/shared/contract';
import { createFramePortClient, type PortEnd } from '../../../src/shared/frame-port';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { rgbaFrameFromPhoto, withSensorNoise } from './camera-frames';
import { rgbaToRgb, rgbToI420 } from '../../../src/core/image';
import { startService, type Harness } from './service-harness';

type Rgba = { width: number; height: number; data: Uint8Array };

/**
 * The Electron frame path under plain Node (docs/app.md, "The frame port"): a worker_threads
 * MessageChannel stands in for MessageChannelMain, the real service and the real analyzer in its
 * worker thread. The "window" holds one end of the frame port; main (this thread) only brokers it
 * and keeps the session. Main's control messages are recorded to check that no pixel reaches it.
 */
describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'the kiosk frame port: window -> inference worker, main only brokers (needs ../shared/faces and the models)',
  () => {
    let h: Harness;
    let worker: Worker | undefined;
    let broker: FramePortBroker<MessagePort>;
    let frame: Rgba;
    let seed = 0;
    /** Every message main's control ends received: [type, size of its largest byte array]. */
    const toMain: { t: unknown; bytes: number }[] = [];

    const noisy = (f: Rgba) => ({ ...f, data: withSensorNoise(f.data, ++seed), timestamp: seed });

    beforeAll(async () => {
      h = await startService({ onWorker: (w) => (worker = w) });
      const wiring = workerFramePortWiring(() => worker);
      broker = new FramePortBroker(h.service, {
        ...wiring,
        end: (port): PortEnd => {
          const end = wiring.end(port);
          return {
            ...end,
            onMessage: (listener) =>
              end.onMessage((data) => {
                const values = Object.values(data as Record<string, unknown>);
                const bytes = Math.max(0, ...values.map((v) => (v instanceof Uint8Array ? v.byteLength : 0)));
                toMain.push({ t: (data as { t?: unknown }).t, bytes });
                listener(data);
              }),
          };
        },
      });
      frame = await rgbaFrameFromPhoto(identityPhotos()[0].path);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('refuses a frame on a port whose kiosk session ended, before any analysis', async () => {
      const session = h.service.openSession('window', { trustedKiosk: true });
      const client = createFramePortClient(nodePortEnd(broker.open(session)));
      expect((await client.submit(noisy(frame))).status).toBe('processed');
      // The window navigated away (src/main/ipc.ts ends the session and revokes its ports) while
      // the page, or a script that kept the port, still sends frames.
      broker.revoke(session);
      h.service.closeSession(session);
      const before = toMain.length;
      await expect(client.submit(noisy(frame))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(client.submit(noisy(frame))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      // Refused in the inference process: main never even heard of these frames.
      expect(toMain.length).toBe(before);
      expect(broker.count(session)).toBe(0);
    });

    it('refuses frames from a port opened for a session that is not a paired kiosk', async () => {
      // A session main does not vouch for (a browser tab that was never paired, say).
      const stranger = h.service.openSession('unpaired');
      const client = createFramePortClient(nodePortEnd(broker.open(stranger)));
      await expect(client.submit(noisy(frame))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      // The held frame was let go: the next one is refused the same way, not dropped as busy.
      await expect(client.submit(noisy(frame))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      broker.revoke(stranger);
    });

    it('answers a frame as frames.submit does, and main receives no pixels', async () => {
      const session = h.service.openSession('window', { trustedKiosk: true });
      const client = createFramePortClient(nodePortEnd(broker.open(session)));
      const direct = h.service.openSession('direct', { trustedKiosk: true });
      const viaPort: FrameResult[] = [];
      const viaCall: FrameResult[] = [];
      const before = toMain.length;
      for (let i = 0; i < 3; i++) {
        const f = noisy(frame);
        viaCall.push(await h.service.call('frames.submit', { ...f, data: f.data.slice() }, direct));
        viaPort.push(await client.submit(f));
      }
      for (let i = 0; i < 3; i++) {
        const [a, b] = [viaPort[i], viaCall[i]];
        if (a.status !== 'processed' || b.status !== 'processed') throw new Error('frame not processed');
        expect(a.timestamp).toBe(b.timestamp);
        expect(a.faces).toHaveLength(1);
        expect(a.faces[0].box.x1).toBeCloseTo(b.faces[0].box.x1, 3);
        expect(a.faces[0].score).toBeCloseTo(b.faces[0].score, 5);
        expect(a.faces[0].liveness?.score ?? null).toBeCloseTo(b.faces[0].liveness?.score ?? 0, 4);
      }
      const seen = toMain.slice(before);
      expect(seen.map((m) => m.t)).toEqual(['frame', 'frame', 'frame']);
      // A 640x480 frame is 1,228,800 bytes; main sees the frozen-stream samples (4096 pixels, RGB).
      expect(Math.max(...seen.map((m) => m.bytes))).toBe(4096 * 3);
      broker.revoke(session);
    });

    it('carries an I420 frame: analysed as frames.submit analyses it, main sees luma samples only', async () => {
      const session = h.service.openSession('window', { trustedKiosk: true });
      const client = createFramePortClient(nodePortEnd(broker.open(session)));
      const direct = h.service.openSession('direct-i420', { trustedKiosk: true });
      const planes = rgbToI420(rgbaToRgb(frame.data, frame.width, frame.height));
      const before = toMain.length;
      const f = { width: 640, height: 480, format: 'i420' as const, data: planes, timestamp: 7 };
      const viaCall = await h.service.call('frames.submit', { ...f, data: planes.slice() }, direct);
      const viaPort = await client.submit(f);
      if (viaPort.status !== 'processed' || viaCall.status !== 'processed')
        throw new Error('frame not processed');
      expect(viaPort.faces).toHaveLength(1);
      expect(viaPort.faces[0].box.x1).toBeCloseTo(viaCall.faces[0].box.x1, 3);
      expect(viaPort.faces[0].liveness?.score ?? null).toBeCloseTo(viaCall.faces[0].liveness?.score ?? 0, 4);
      // The notice carries the frozen-stream samples of an I420 frame: 3 x 4,096 luma bytes.
      expect(toMain.slice(before).map((m) => m.bytes)).toEqual([3 * 4096]);
      broker.revoke(session);
    });

    it('drops a frame sent while the port has one in flight, as busy, and refuses a malformed one', async () => {
      const session = h.service.openSession('window', { trustedKiosk: true });
      const client = createFramePortClient(nodePortEnd(broker.open(session)));
      const [first, second] = await Promise.all([client.submit(noisy(frame)), client.submit(noisy(frame))]);
      expect(first.status).toBe('processed');
      expect(second).toMatchObject({ status: 'dropped', reason: 'busy' });
      await expect(
        client.submit({ width: 640, height: 480, data: new Uint8Array(640 * 480 * 3), timestamp: 1 }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect((await client.submit(noisy(frame))).status).toBe('processed');
      broker.revoke(session);
    });
  },
);
