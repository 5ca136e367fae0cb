import { createFaceGateApi, ipcChannels, type FaceGateApi, type IpcReply } from '../shared/contract';
import { isEventName, type EventName } from '../shared/events';

/** The part of ipcRenderer the bridge uses (a fake in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * window.facegate for the Electron app: each call is one invoke on the call channel, its reply
 * unwrapped (an error rejects with the ErrorInfo object itself, which survives contextBridge);
 * events arrive on one channel and go to the listeners of their name. The renderer never sees
 * ipcRenderer.
 */
export function createPreloadApi(ipc: IpcRendererLike): FaceGateApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  ipc.on(ipcChannels.event, (_event, name, payload) => {
    if (!isEventName(name)) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error('facegate: an event listener threw', error);
      }
    }
  });

  return createFaceGateApi(
    async (name, input) => {
      const reply = (await ipc.invoke(ipcChannels.call, name, input)) as IpcReply;
      if (reply.ok) return reply.value;
      throw reply.error;
    },
    (event, listener) => {
      if (!isEventName(event)) throw new TypeError(`facegate.on: unknown event '${String(event)}'`);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  );
}
