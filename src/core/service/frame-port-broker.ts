/**
 * Main's side of the kiosks' frame ports (docs/app.md, "The frame port"): main creates the two
 * channels of a kiosk window's port, gives one end to the window and two to the inference process
 * (src/core/inference/frame-ports.ts), and keeps, per port, the session it was opened for. The
 * inference process announces each frame it holds (size, timestamp, the frozen-stream samples; no
 * pixels); the broker runs the frame path for the session it keeps (never one the other side
 * names) and answers on the control port. A session's ports are revoked when it ends; a notice for
 * a port the broker does not know is refused. Plain Node: src/main wires Electron's
 * MessageChannelMain in, tests and the bench Node's worker_threads MessageChannel.
 */
import { randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { FrameResult } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/errors';
import type { PortEnd, PortReply, PortReplyMessage } from '../../shared/frame-port';
import { toErrorInfo } from '../errors';
import {
  heldFrameRef,
  nodePortEnd,
  type AttachFramePort,
  type HeldFrameNotice,
} from '../inference/frame-ports';
import type { CallerSession } from './session';

/** A frame the inference process holds: what the frame path needs of it in main. */
export interface HeldFrame {
  width: number;
  height: number;
  timestamp: number;
  /** The reference the inference process knows the frame by. */
  held: string;
  /** frozenSamples() of the frame, taken where the pixels are. */
  samples: Uint8Array;
}

/** How main makes and hands over ports (Electron's MessageChannelMain, or worker_threads'). */
export interface FramePortWiring<P> {
  /** A new channel's two ends. */
  channel(): [P, P];
  /** One end as a PortEnd, for the control end main keeps. */
  end(port: P): PortEnd;
  /** Hands the inference process its two ends (transferred). */
  attach(message: AttachFramePort<P>): void;
}

/** What the broker needs of the service: the frame path for a held frame (FaceGateService has it). */
export interface HeldFrameSink {
  submitHeldFrame(frame: HeldFrame, session: CallerSession): Promise<FrameResult>;
}

const unknownPort: ErrorInfo = {
  code: 'UNAUTHORIZED',
  message: 'This frame port has no kiosk session (it was revoked); the window must ask for a new one.',
};

export class FramePortBroker<P> {
  private readonly ports = new Map<string, { session: CallerSession; control: PortEnd }>();

  constructor(
    private readonly service: HeldFrameSink,
    private readonly wiring: FramePortWiring<P>,
  ) {}

  /**
   * A new frame port for a kiosk session; returns the window's end. The caller (src/main) has
   * checked that the asking window is the app's own kiosk window.
   */
  open(session: CallerSession): P {
    const key = randomUUID();
    const [windowEnd, frameEnd] = this.wiring.channel();
    const [mainEnd, controlEnd] = this.wiring.channel();
    const control = this.wiring.end(mainEnd);
    this.ports.set(key, { session, control });
    control.onMessage((data) => this.onNotice(key, control, data));
    control.onClose(() => this.ports.delete(key));
    this.wiring.attach({ type: 'framePort.attach', key, frame: frameEnd, control: controlEnd });
    return windowEnd;
  }

  /** Ports open for this session (tests). */
  count(session: CallerSession): number {
    return [...this.ports.values()].filter((p) => p.session.id === session.id).length;
  }

  /** The session ended (window closed or navigated, inference restarted): its ports carry no more frames. */
  revoke(session: CallerSession): void {
    for (const [key, port] of this.ports) {
      if (port.session.id !== session.id) continue;
      this.ports.delete(key);
      port.control.post({ t: 'revoke' });
      port.control.close();
    }
  }

  /** Every port (the inference process restarted: the window asks again). */
  revokeAll(): void {
    for (const port of this.ports.values()) this.revoke(port.session);
  }

  private onNotice(key: string, control: PortEnd, data: unknown): void {
    const notice = data as Partial<HeldFrameNotice> | null;
    const seq = notice?.seq;
    if (notice?.t !== 'frame' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) return;
    const reply = (r: PortReply) => control.post({ t: 'result', seq, ...r } as PortReplyMessage);
    const port = this.ports.get(key);
    if (!port) {
      reply({ ok: false, error: unknownPort });
      return;
    }
    const { width, height, timestamp, samples } = notice;
    if (
      typeof width !== 'number' ||
      typeof height !== 'number' ||
      typeof timestamp !== 'number' ||
      !(samples instanceof Uint8Array)
    ) {
      reply({
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'frames.submit: malformed frame notice' },
      });
      return;
    }
    this.service
      .submitHeldFrame({ width, height, timestamp, samples, held: heldFrameRef(key, seq) }, port.session)
      .then(
        (value) => reply({ ok: true, value }),
        (error: unknown) => reply({ ok: false, error: toErrorInfo(error) }),
      );
  }
}

/**
 * The wiring under plain Node: worker_threads channels, the ports transferred to the inference
 * worker thread (createWorkerInferenceHost's onWorker gives it). The bench's IPC-shape row and
 * the tests run the port path this way.
 */
export function workerFramePortWiring(worker: () => Worker | undefined): FramePortWiring<MessagePort> {
  return {
    channel: () => {
      const { port1, port2 } = new MessageChannel();
      return [port1, port2];
    },
    end: nodePortEnd,
    attach: (message) => {
      const target = worker();
      if (!target) throw new Error('The inference worker is not running.');
      target.postMessage(message, [message.frame, message.control]);
    },
  };
}
