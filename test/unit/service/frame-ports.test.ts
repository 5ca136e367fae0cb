import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FramePorts,
  heldFrameRef,
  nodePortEnd,
  type HeldFrameNotice,
} from '../../../src/core/inference/frame-ports';
import { createFramePortClient } from '../../../src/shared/frame-port';

/**
 * The inference side of the frame port on its own, over real worker_threads channels: this test
 * plays main (the control port) and the window (the frame port's other end).
 */
describe('frame ports, inference side', () => {
  const open: MessagePort[] = [];
  afterEach(() => {
    for (const port of open.splice(0)) port.close();
  });

  const setup = () => {
    const ports = new FramePorts();
    const frame = new MessageChannel();
    const control = new MessageChannel();
    open.push(frame.port1, frame.port2, control.port1, control.port2);
    ports.attach('k1', nodePortEnd(frame.port2), nodePortEnd(control.port2));
    const notices: HeldFrameNotice[] = [];
    control.port1.on('message', (m: HeldFrameNotice) => notices.push(m));
    const client = createFramePortClient(nodePortEnd(frame.port1), { replyMs: 500 });
    return { ports, client, notices, main: control.port1 };
  };
  const rgba = (seed: number) => ({
    width: 16,
    height: 16,
    data: new Uint8Array(16 * 16 * 4).map((_, i) => (i * seed) & 255),
    timestamp: seed,
  });
  const tick = () => new Promise((r) => setTimeout(r, 20));

  it('holds a frame, tells main without its pixels, and gives them only to an analyzeFrame that names it', async () => {
    const { ports, client, notices, main } = setup();
    const result = client.submit(rgba(3));
    await tick();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ t: 'frame', seq: 1, width: 16, height: 16, timestamp: 3 });
    expect(Object.keys(notices[0]).sort()).toEqual(['height', 'samples', 'seq', 't', 'timestamp', 'width']);
    const request = {
      id: 7,
      type: 'analyzeFrame' as const,
      frame: { width: 16, height: 16, data: new Uint8Array(0), held: heldFrameRef('k1', 1) },
      options: {},
    };
    const resolved = ports.resolve(request);
    expect('type' in resolved && resolved.type === 'analyzeFrame' && resolved.frame.data).toEqual(
      rgba(3).data,
    );
    // A reference to another sequence number, or another port, gets no pixels.
    for (const held of [heldFrameRef('k1', 2), heldFrameRef('k2', 1)]) {
      expect(ports.resolve({ ...request, frame: { ...request.frame, held } })).toMatchObject({
        id: 7,
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    }
    // Main answers; the answer reaches the window and the frame is let go.
    main.postMessage({
      t: 'result',
      seq: 1,
      ok: true,
      value: { status: 'dropped', timestamp: 3, reason: 'frozen' },
    });
    expect(await result).toEqual({ status: 'dropped', timestamp: 3, reason: 'frozen' });
    expect(ports.resolve(request)).toMatchObject({ ok: false });
  });

  it('refuses every frame once main revoked the port, and tells main nothing', async () => {
    const { ports, client, notices, main } = setup();
    main.postMessage({ t: 'revoke' });
    await tick();
    await expect(client.submit(rgba(1))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(client.submit(rgba(2))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(notices).toHaveLength(0);
    expect(ports.refused).toBe(2);
  });

  it('gives the window up after an overdue reply: pending frames reject, the client reports closed', async () => {
    const { client } = setup();
    // Main never answers (it hung or the process died without closing the port).
    await expect(client.submit(rgba(1))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(client.open).toBe(false);
    await expect(client.submit(rgba(2))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
