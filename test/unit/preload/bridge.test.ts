import { describe, expect, it } from 'vitest';
import { createPreloadApi, type IpcRendererLike } from '../../../src/preload/bridge';
import { MessageChannel } from 'node:worker_threads';
import { callNames, ipcChannels, splitCallName, type IpcReply } from '../../../src/shared/contract';
import { framePortChannel, type PortFrameMessage } from '../../../src/shared/frame-port';

/** ipcRenderer as the bridge sees it; the Electron binary does not exist here. */
function fakeIpc(reply: (name: string, input: unknown) => IpcReply) {
  const invoked: unknown[][] = [];
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, ...args]);
      return reply(args[0] as string, args[1]);
    },
    on: (channel, listener) => handlers.set(channel, listener),
  };
  return {
    ipc,
    invoked,
    emit: (...args: unknown[]) => handlers.get(ipcChannels.event)?.({}, ...args),
    /** Main hands the window a port (webContents.postMessage on the frame-port channel). */
    givePort: (port: unknown) => handlers.get(framePortChannel)?.({ ports: [port] }),
  };
}

describe('preload bridge', () => {
  it('sends every contract call on the call channel by name, with its input', async () => {
    const { ipc, invoked } = fakeIpc((name) => ({ ok: true, value: name }));
    const api = createPreloadApi(ipc) as unknown as Record<
      string,
      Record<string, (i?: unknown) => Promise<unknown>>
    >;
    for (const name of callNames) {
      const [group, method] = splitCallName(name);
      expect(await api[group][method]({ n: 1 })).toBe(name);
    }
    expect(invoked).toHaveLength(callNames.length);
    expect(invoked[0]).toEqual([ipcChannels.call, callNames[0], { n: 1 }]);
  });

  it('rejects with the ErrorInfo itself, so the UI sees the code', async () => {
    const { ipc } = fakeIpc(() => ({ ok: false, error: { code: 'UNAUTHORIZED', message: 'log in' } }));
    const api = createPreloadApi(ipc);
    await expect(api.people.list()).rejects.toEqual({ code: 'UNAUTHORIZED', message: 'log in' });
  });

  it('delivers events to the listeners of that event only, until they unsubscribe', () => {
    const { ipc, emit } = fakeIpc(() => ({ ok: true, value: null }));
    const api = createPreloadApi(ipc);
    const door: unknown[] = [];
    const status: unknown[] = [];
    const off = api.on('door.state', (p) => door.push(p));
    api.on('status.changed', (p) => status.push(p));
    emit('door.state', { state: 'unlocked' });
    emit('made.up', { x: 1 });
    off();
    emit('door.state', { state: 'locked' });
    expect(door).toEqual([{ state: 'unlocked' }]);
    expect(status).toEqual([]);
  });

  it('refuses to subscribe to an event the contract does not have', () => {
    const { ipc } = fakeIpc(() => ({ ok: true, value: null }));
    expect(() => createPreloadApi(ipc).on('nope' as never, () => {})).toThrow(/unknown event/);
  });

  it('sends frames on the frame port once main has handed it over, and by IPC before and after', async () => {
    const { ipc, invoked, givePort } = fakeIpc((name) => ({
      ok: true,
      value: name === 'frames.submit' ? { status: 'dropped', timestamp: 0, reason: 'not_ready' } : null,
    }));
    const api = createPreloadApi(ipc, { framePort: true });
    const frame = () => ({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4), timestamp: 1 });
    // No port yet: the frame goes by IPC and the bridge asks main for the port, once.
    await api.frames.submit(frame());
    await api.frames.submit(frame());
    expect(invoked.map((c) => c[0])).toEqual([framePortChannel, ipcChannels.call, ipcChannels.call]);
    // Node's MessagePort stands in for the window's (both are EventTargets with start()).
    const { port1, port2 } = new MessageChannel();
    const seen: PortFrameMessage[] = [];
    port2.on('message', (m: PortFrameMessage) => {
      seen.push(m);
      port2.postMessage({
        t: 'result',
        seq: m.seq,
        ok: true,
        value: { status: 'dropped', timestamp: m.timestamp, reason: 'busy' },
      });
    });
    givePort(port1);
    expect(await api.frames.submit(frame())).toEqual({ status: 'dropped', timestamp: 1, reason: 'busy' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ t: 'frame', width: 16, height: 16, timestamp: 1 });
    expect(seen[0].data.byteLength).toBe(16 * 16 * 4);
    expect(invoked).toHaveLength(3);
    // Other calls still go by IPC.
    await api.people.list();
    expect(invoked).toHaveLength(4);
    // The port closes (the inference process restarted): frames go by IPC again, and it asks again.
    port2.close();
    await new Promise((r) => setTimeout(r, 20));
    await api.frames.submit(frame());
    expect(invoked.slice(4).map((c) => c[0])).toEqual([framePortChannel, ipcChannels.call]);
  });
});
