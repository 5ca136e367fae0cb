/**
 * The kiosk's frame port (docs/app.md, "The frame port"): in the Electron app the renderer sends
 * camera frames on a MessagePort straight to the inference process, so no pixel passes through
 * the main process. Main only brokers the port (to the app's own kiosk window) and keeps the
 * session: the inference process asks main to judge each frame it holds (a small notice, never
 * the pixels), and main's answer goes back on the port. This file is the renderer's side and the
 * message shapes; browser-safe (no Node or Electron API), used by the preload and by tests.
 */
import type { FrameFormat, FrameResult, YuvColor } from './contract';
import type { ErrorInfo } from './errors';

/** The IPC channel on which the kiosk window asks main for its frame port and receives it. */
export const framePortChannel = 'facegate:frame-port';

/** Renderer -> inference process: one camera frame (RGBA, as frames.submit takes it). */
export interface PortFrameMessage {
  t: 'frame';
  /** Matches the reply to the frame; the sender's own counter. */
  seq: number;
  width: number;
  height: number;
  timestamp: number;
  data: Uint8Array;
  /** rgba unless said (contract.ts frameFormats). */
  format?: FrameFormat;
  color?: Partial<YuvColor>;
}

/** Inference process -> renderer: what frames.submit would have answered, or its error. */
export type PortReply = { ok: true; value: FrameResult } | { ok: false; error: ErrorInfo };
export type PortReplyMessage = { t: 'result'; seq: number } & PortReply;

/**
 * One end of a message port, whatever its kind: a browser MessagePort (the preload), Electron's
 * MessagePortMain (main, the utility process) or Node's worker_threads MessagePort (tests, the
 * bench). Each side adapts its port once (see the adapters below and in src/main).
 */
export interface PortEnd {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (data: unknown) => void): void;
  /** The other end went away (its process exited, it was closed). */
  onClose(listener: () => void): void;
  close(): void;
}

/** A browser MessagePort (the preload receives one from main) as a PortEnd. */
export function browserPortEnd(port: {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message' | 'close', listener: (event: { data?: unknown }) => void): void;
  start(): void;
  close(): void;
}): PortEnd {
  const end: PortEnd = {
    post: (message, transfer = []) => port.postMessage(message, transfer),
    onMessage: (listener) => {
      port.addEventListener('message', (event) => listener(event.data));
      // A port listened to with addEventListener delivers nothing until started.
      port.start();
    },
    onClose: (listener) => port.addEventListener('close', () => listener()),
    close: () => port.close(),
  };
  return end;
}

type Transferable = ArrayBuffer | object;

/** How long a frame on the port may wait for its reply before the client gives the port up. */
export const framePortReplyMs = 10_000;

const portGone: ErrorInfo = {
  code: 'INTERNAL',
  message: 'The frame port closed (the inference process restarted); frames go by IPC until a new one comes.',
};

/**
 * The renderer's side of the port: submit() posts a frame and resolves with its FrameResult (or
 * rejects with the ErrorInfo), matched by sequence number. The frame's buffer is transferred when
 * it is the whole buffer (no copy in the renderer), else copied once. After the port closes or a
 * reply is overdue, `open` is false and every pending submit has been rejected: the caller falls
 * back to the IPC call and may ask for a new port.
 */
export function createFramePortClient(
  end: PortEnd,
  options: {
    replyMs?: number;
    /** Transfer the frame's buffer (default); false copies it (the bench's structured-clone row). */
    transfer?: boolean;
  } = {},
) {
  const replyMs = options.replyMs ?? framePortReplyMs;
  const transfer = options.transfer ?? true;
  const pending = new Map<
    number,
    { resolve: (r: FrameResult) => void; reject: (e: ErrorInfo) => void; timer: unknown }
  >();
  let seq = 0;
  let open = true;
  const fail = () => {
    if (!open) return;
    open = false;
    for (const call of pending.values()) {
      clearTimeout(call.timer as ReturnType<typeof setTimeout>);
      call.reject(portGone);
    }
    pending.clear();
    end.close();
  };
  end.onClose(fail);
  end.onMessage((data) => {
    const reply = data as PortReplyMessage | null;
    if (reply?.t !== 'result' || typeof reply.seq !== 'number') return;
    const call = pending.get(reply.seq);
    if (!call) return;
    pending.delete(reply.seq);
    clearTimeout(call.timer as ReturnType<typeof setTimeout>);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(reply.error);
  });
  return {
    get open() {
      return open;
    },
    submit(frame: {
      width: number;
      height: number;
      data: Uint8Array | Uint8ClampedArray;
      timestamp: number;
      format?: FrameFormat;
      color?: Partial<YuvColor>;
    }) {
      if (!open) return Promise.reject(portGone);
      const id = ++seq;
      const bytes = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const data = whole ? bytes : bytes.slice();
      const message: PortFrameMessage = {
        t: 'frame',
        seq: id,
        width: frame.width,
        height: frame.height,
        timestamp: frame.timestamp,
        data,
        ...(frame.format ? { format: frame.format } : {}),
        ...(frame.color ? { color: frame.color } : {}),
      };
      return new Promise<FrameResult>((resolve, reject) => {
        const timer = setTimeout(fail, replyMs);
        pending.set(id, { resolve, reject, timer });
        try {
          end.post(message, transfer ? [data.buffer as ArrayBuffer] : []);
        } catch {
          try {
            end.post(message);
          } catch {
            fail();
          }
        }
      });
    },
    close: fail,
  };
}

export type FramePortClient = ReturnType<typeof createFramePortClient>;
