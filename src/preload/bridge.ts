import {
  createFaceGateApi,
  ipcChannels,
  type CallInput,
  type FaceGateApi,
  type IpcReply,
} from '../shared/contract';
import { isEventName, type EventName } from '../shared/events';
import {
  browserPortEnd,
  createFramePortClient,
  framePortChannel,
  type FramePortClient,
} from '../shared/frame-port';

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
export function createPreloadApi(ipc: IpcRendererLike, options: { framePort?: boolean } = {}): FaceGateApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const frames = options.framePort ? framePortFrames(ipc) : null;
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
      if (name === 'frames.submit' && frames) {
        const port = frames.port();
        if (port) return port.submit(input as CallInput<'frames.submit'>);
      }
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

/**
 * The kiosk's frame port (docs/app.md, "The frame port"): asked of main at the first frame; once
 * main has handed it over, frames go on it straight to the inference process, never through main.
 * Until then, after main refuses (not the app's kiosk window), or once the port has closed (the
 * inference process restarted; it is asked for again), frames go by the IPC call as before.
 */
function framePortFrames(ipc: IpcRendererLike) {
  let client: FramePortClient | null = null;
  let asked = false;
  ipc.on(framePortChannel, (event) => {
    const port = (event as { ports?: Parameters<typeof browserPortEnd>[0][] } | null)?.ports?.[0];
    if (port) client = createFramePortClient(browserPortEnd(port));
  });
  return {
    port(): FramePortClient | null {
      if (client?.open) return client;
      if (client && !client.open) {
        client = null;
        asked = false;
      }
      if (!asked) {
        asked = true;
        ipc.invoke(framePortChannel).then(
          (reply) => {
            // Refused (not the app's own kiosk window): frames stay on the IPC call.
            if (!(reply as IpcReply).ok) asked = true;
          },
          () => {
            asked = false;
          },
        );
      }
      return null;
    },
  };
}
