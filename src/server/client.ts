/**
 * The browser side of `facegate serve`: provides `window.facegate` over the host's WebSocket with
 * exactly the shape the Electron preload gives (both come from createFaceGateApi). The host
 * serves this bundle as /facegate-client.js and loads it before the app.
 *
 * Calls made while the socket is (re)connecting wait for it; calls in flight when it drops reject
 * with an INTERNAL ErrorInfo. Each connection is a new session: an admin login does not survive a
 * reconnect or a reload, by design. A kiosk pairing does: the device token that `pairing.redeem`
 * returns is kept (localStorage in a browser) and presented first on every new connection.
 */
import { createFaceGateApi, isCallName, type CallName } from '../shared/contract';
import type { ErrorInfo } from '../shared/errors';
import { isEventName, type EventName } from '../shared/events';
import { decodeMessage, encodeMessage, socketPath, type ServerMessage } from './codec';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: ErrorInfo) => void;
}

export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface ClientOptions {
  url: string;
  /** new WebSocket(url); replaceable in tests. */
  connect: (url: string) => SocketLike;
  /** Reconnect delays grow from this (ms) ... */
  retryMs?: number;
  /** ... up to this. */
  maxRetryMs?: number;
  /** Where this kiosk's device token is kept between connections (none: not kept). */
  tokenStore?: TokenStore;
}

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** The localStorage key of a paired browser kiosk's device token. */
export const deviceTokenKey = 'facegate.kiosk.deviceToken';

const OPEN = 1;
const connectionLost: ErrorInfo = {
  code: 'INTERNAL',
  message: 'The connection to FaceGate was lost; the call may or may not have run. It reconnects by itself.',
};

export function createSocketClient(options: ClientOptions) {
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const waiting: (() => void)[] = [];
  let nextId = 1;
  let socket: SocketLike | undefined;
  let retry = options.retryMs ?? 250;
  let closed = false;

  const open = () => {
    const ws = options.connect(options.url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      retry = options.retryMs ?? 250;
      // The token goes first: the host handles a connection's messages in order, so every call
      // after it is made as the paired kiosk.
      const token = options.tokenStore?.get();
      if (token) {
        const id = nextId++;
        pending.set(id, {
          resolve: () => {},
          reject: (error) => {
            if (error.code === 'UNAUTHORIZED') options.tokenStore?.set(null);
          },
        });
        ws.send(encodeMessage({ t: 'call', id, name: 'pairing.resume', input: { token } }));
      }
      for (const send of waiting.splice(0)) send();
    };
    ws.onmessage = (event) => {
      const data = event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : event.data;
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) return;
      let message: ServerMessage;
      try {
        message = decodeMessage(data) as ServerMessage;
      } catch {
        return;
      }
      if (message.t === 'result') {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(message.error);
      } else if (message.t === 'event' && isEventName(message.name)) {
        for (const listener of listeners.get(message.name) ?? []) {
          try {
            listener(message.payload);
          } catch (error) {
            console.error('facegate: an event listener threw', error);
          }
        }
      }
    };
    ws.onclose = () => {
      for (const call of pending.values()) call.reject(connectionLost);
      pending.clear();
      if (closed) return;
      setTimeout(open, retry);
      retry = Math.min(retry * 2, options.maxRetryMs ?? 5000);
    };
  };
  open();

  const invoke = (name: CallName, input: unknown): Promise<unknown> => {
    if (!isCallName(name))
      return Promise.reject({ code: 'INVALID_INPUT', message: `Unknown call ${String(name)}.` });
    return new Promise((resolve, reject) => {
      const settle =
        name === 'pairing.redeem'
          ? (value: unknown) => {
              const token = (value as { token?: unknown } | null)?.token;
              if (typeof token === 'string') options.tokenStore?.set(token);
              resolve(value);
            }
          : resolve;
      const id = nextId++;
      const send = () => {
        pending.set(id, { resolve: settle, reject });
        try {
          socket!.send(encodeMessage({ t: 'call', id, name, input }));
        } catch (error) {
          pending.delete(id);
          reject({ code: 'INVALID_INPUT', message: `Could not send ${name}: ${(error as Error).message}` });
        }
      };
      if (socket?.readyState === OPEN) send();
      else waiting.push(send);
    });
  };

  const subscribe = (event: EventName, listener: (payload: unknown) => void) => {
    if (!isEventName(event)) throw new TypeError(`facegate.on: unknown event '${String(event)}'`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  return {
    api: createFaceGateApi(invoke, subscribe),
    close: () => {
      closed = true;
      socket?.close();
    },
  };
}

// In a browser page served by the host: install window.facegate.
declare const window:
  | {
      facegate?: unknown;
      location: { host: string; protocol: string };
      localStorage: {
        getItem(key: string): string | null;
        setItem(key: string, value: string): void;
        removeItem(key: string): void;
      };
    }
  | undefined;
declare const WebSocket: (new (url: string) => SocketLike) | undefined;
if (typeof window !== 'undefined' && typeof WebSocket !== 'undefined' && window.facegate === undefined) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createSocketClient({
    url: `${scheme}//${window.location.host}${socketPath}`,
    connect: (url) => new WebSocket!(url),
    tokenStore: {
      get: () => {
        try {
          return window.localStorage.getItem(deviceTokenKey);
        } catch {
          return null;
        }
      },
      set: (token) => {
        try {
          if (token === null) window.localStorage.removeItem(deviceTokenKey);
          else window.localStorage.setItem(deviceTokenKey, token);
        } catch {
          // No storage (private mode): the kiosk stays paired until the page reloads.
        }
      },
    },
  });
  Object.defineProperty(window, 'facegate', { value: Object.freeze(client.api), writable: false });
}
