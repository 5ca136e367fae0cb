/**
 * The inference process's side of the kiosks' frame ports (docs/app.md, "The frame port"). Main
 * attaches, for one kiosk session, two ports: the frame port (its other end is in the kiosk
 * window) and a control port (its other end stays in main). A frame that arrives on the frame
 * port is checked (the contract's frame schema), held here, and announced to main on the control
 * port with the frozen-stream samples but without its pixels; main runs the frame path for the
 * session it keeps for that port, asks this process to analyse the held frame by reference, and
 * sends the FrameResult back on the control port, which forwards it to the window. Main revokes a
 * port when its session ends; a frame on a port with no session is refused here and never held.
 * One frame held per port: a frame arriving while one is held is dropped as busy, as the service
 * does. Plain Node: Electron's ports are adapted to PortEnd in src/main.
 */
import type { MessagePort } from 'node:worker_threads';
import { frameSchema, type FrameFormat, type FrameResult, type YuvColor } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/errors';
import type { PortEnd, PortFrameMessage, PortReply, PortReplyMessage } from '../../shared/frame-port';
import { frozenSamples } from '../service/frozen-stream';
import type { InferenceRequest, InferenceResponse } from './types';

/** Main -> inference process, on the host's own channel: bind a kiosk's two ports. */
export interface AttachFramePort<P = PortEnd> {
  type: 'framePort.attach';
  /** Main's name for this port (random, unguessable); the session stays in main. */
  key: string;
  frame: P;
  control: P;
}

/** Inference process -> main, on the control port: a frame is held here. */
export interface HeldFrameNotice {
  t: 'frame';
  seq: number;
  width: number;
  height: number;
  timestamp: number;
  /** frozenSamples() of the frame: main's frozen-stream check needs them, not the pixels. */
  samples: Uint8Array;
}

/** Main -> inference process, on the control port. */
export type ControlMessage = PortReplyMessage | { t: 'revoke' };

export function isAttachFramePort(message: unknown): message is AttachFramePort<unknown> {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'framePort.attach' &&
    typeof (message as { key?: unknown }).key === 'string'
  );
}

/** The reference a held frame travels by in an analyzeFrame request: `<key>#<seq>`. */
export function heldFrameRef(key: string, seq: number): string {
  return `${key}#${seq}`;
}

interface Binding {
  frame: PortEnd;
  control: PortEnd;
  /** False once main revoked the port (its session ended). */
  live: boolean;
  held: { seq: number; data: Uint8Array; format?: FrameFormat; color?: Partial<YuvColor> } | null;
}

const noSession: ErrorInfo = {
  code: 'UNAUTHORIZED',
  message: 'This frame port has no kiosk session (it was revoked); the window must ask for a new one.',
};

export class FramePorts {
  private readonly bindings = new Map<string, Binding>();
  /** Frames refused on revoked ports (tests and logs). */
  refused = 0;

  attach(key: string, frame: PortEnd, control: PortEnd): void {
    this.bindings.get(key)?.frame.close();
    const binding: Binding = { frame, control, live: true, held: null };
    this.bindings.set(key, binding);
    frame.onMessage((data) => this.onFrame(binding, key, data));
    control.onMessage((data) => this.onControl(binding, key, data as ControlMessage));
    // Main's end went away (main reloaded the window's session, or exited): no session any more.
    control.onClose(() => this.revoke(binding, key));
    frame.onClose(() => {
      binding.held = null;
      if (this.bindings.get(key) === binding) this.bindings.delete(key);
      control.close();
    });
  }

  /**
   * An analyzeFrame (or overlapped detectFrame) request that names a held frame gets that frame's pixels; any other request
   * passes unchanged. A reference to no held frame is answered with an error here.
   */
  resolve(request: InferenceRequest): InferenceRequest | InferenceResponse {
    if (
      (request.type !== 'analyzeFrame' && request.type !== 'detectFrame') ||
      request.frame.held === undefined
    )
      return request;
    const at = request.frame.held.lastIndexOf('#');
    const binding = this.bindings.get(request.frame.held.slice(0, at));
    const seq = Number(request.frame.held.slice(at + 1));
    const held = binding?.live && binding.held?.seq === seq ? binding.held : null;
    if (!held) {
      return {
        id: request.id,
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: 'The frame to analyse is no longer held (its port closed).',
        },
      };
    }
    const { held: _ref, ...frame } = request.frame;
    return { ...request, frame: { ...frame, data: held.data, format: held.format, color: held.color } };
  }

  private onFrame(binding: Binding, key: string, data: unknown): void {
    const message = data as Partial<PortFrameMessage> | null;
    const seq = message?.seq;
    if (message?.t !== 'frame' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) return;
    const reply = (r: PortReply) => binding.frame.post({ t: 'result', seq, ...r } as PortReplyMessage);
    if (!binding.live || this.bindings.get(key) !== binding) {
      this.refused++;
      reply({ ok: false, error: noSession });
      return;
    }
    const parsed = frameSchema.safeParse({
      width: message.width,
      height: message.height,
      data: message.data,
      timestamp: message.timestamp,
      ...(message.format !== undefined ? { format: message.format } : {}),
      ...(message.color !== undefined ? { color: message.color } : {}),
    });
    if (!parsed.success) {
      reply({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `frames.submit: ${parsed.error.issues[0]?.message ?? 'bad frame'}`,
        },
      });
      return;
    }
    const frame = parsed.data;
    if (binding.held) {
      const dropped: FrameResult = { status: 'dropped', timestamp: frame.timestamp, reason: 'busy' };
      reply({ ok: true, value: dropped });
      return;
    }
    binding.held = { seq, data: frame.data, format: frame.format, color: frame.color };
    const notice: HeldFrameNotice = {
      t: 'frame',
      seq,
      width: frame.width,
      height: frame.height,
      timestamp: frame.timestamp,
      samples: frozenSamples(frame),
    };
    binding.control.post(notice, [notice.samples.buffer as ArrayBuffer]);
  }

  private onControl(binding: Binding, key: string, message: ControlMessage): void {
    if (message?.t === 'revoke') {
      this.revoke(binding, key);
      return;
    }
    if (message?.t !== 'result') return;
    if (binding.held?.seq === message.seq) binding.held = null;
    binding.frame.post(message);
  }

  private revoke(binding: Binding, key: string): void {
    binding.live = false;
    binding.held = null;
    // The port stays open to answer the window's next frame with UNAUTHORIZED (so it asks again);
    // a later attach under the same key replaces it.
    if (this.bindings.get(key) !== binding) return;
    binding.control.close();
  }
}

/** Node's worker_threads MessagePort as a PortEnd (the worker host, tests, the bench). */
export function nodePortEnd(port: MessagePort): PortEnd {
  return {
    post: (message, transfer) => port.postMessage(message, transfer),
    onMessage: (listener) => port.on('message', listener),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
}
