import { describe, expect, it } from 'vitest';
import { createPreloadApi, type IpcRendererLike } from '../../../src/preload/bridge';
import { callNames, ipcChannels, splitCallName, type IpcReply } from '../../../src/shared/contract';

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
  return { ipc, invoked, emit: (...args: unknown[]) => handlers.get(ipcChannels.event)?.({}, ...args) };
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
});
