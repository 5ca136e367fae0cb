import { FaceGateError } from '../errors';
import type { RgbImage } from '../image/types';
import type {
  DetectedFrame,
  DetectFrameOptions,
  DetectorReply,
  FaceOptions,
  HostAnalysis,
  InferenceHost,
  InferenceLoadOptions,
  InferenceRequest,
  InferenceResponse,
  LoadedModels,
  HostFrame,
} from './types';

type Payload<T extends InferenceRequest['type']> = Omit<
  Extract<InferenceRequest, { type: T }>,
  'id' | 'type'
>;

/** What carries messages to the inference side: a worker thread or an Electron utilityProcess. */
export interface InferenceChannel {
  post(request: InferenceRequest, transfer: ArrayBuffer[]): void;
  onMessage(listener: (response: InferenceResponse) => void): void;
  /** The other side stopped; the reason names the exit code or the error. */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The calling side of an InferenceHost, over any channel. */
export class RpcInferenceHost implements InferenceHost {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exitListeners = new Set<(reason: string) => void>();
  private exited: string | undefined;
  private closing = false;

  constructor(
    readonly kind: string,
    private readonly channel: InferenceChannel,
  ) {
    channel.onMessage((response) => this.settle(response));
    channel.onExit((reason) => this.stopped(reason));
  }

  load(options: InferenceLoadOptions): Promise<LoadedModels> {
    return this.request('load', { options }, []) as Promise<LoadedModels>;
  }

  analyzeFrame(frame: HostFrame, options: FaceOptions = {}): Promise<HostAnalysis> {
    const data = movable(frame.data);
    return this.request('analyzeFrame', { frame: { ...frame, data }, options }, [
      data.buffer as ArrayBuffer,
    ]) as Promise<HostAnalysis>;
  }

  analyzePhoto(bytes: Uint8Array, name: string, options: FaceOptions = {}): Promise<HostAnalysis> {
    const data = movable(bytes);
    return this.request('analyzePhoto', { bytes: data, name, options }, [
      data.buffer as ArrayBuffer,
    ]) as Promise<HostAnalysis>;
  }

  embedAligned(crop: RgbImage): Promise<Float32Array> {
    return this.request('embedAligned', { crop }, []) as Promise<Float32Array>;
  }

  detectFrame(frame: HostFrame, options: DetectFrameOptions = {}): Promise<DetectedFrame> {
    const data = movable(frame.data);
    return this.request('detectFrame', { frame: { ...frame, data }, options }, [
      data.buffer as ArrayBuffer,
    ]) as Promise<DetectedFrame>;
  }

  finishFrame(ticket: number, options: FaceOptions = {}): Promise<HostAnalysis> {
    return this.request('finishFrame', { ticket, options }, []) as Promise<HostAnalysis>;
  }

  /** The detector thread's call (an overlapped host's runner to its detector runner). */
  detect(frame: HostFrame, options: DetectFrameOptions = {}): Promise<DetectorReply> {
    const data = movable(frame.data);
    return this.request('detect', { frame: { ...frame, data }, options }, [
      data.buffer as ArrayBuffer,
    ]) as Promise<DetectorReply>;
  }

  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.exited !== undefined || this.closing) return;
    this.closing = true;
    try {
      await this.request('release', {}, []);
    } catch {
      // Releasing sessions is a courtesy; terminating frees them anyway.
    }
    await this.channel.terminate();
    this.stopped('closed');
  }

  private request<T extends InferenceRequest['type']>(
    type: T,
    payload: Payload<T>,
    transfer: ArrayBuffer[],
  ): Promise<unknown> {
    if (this.exited !== undefined) {
      return Promise.reject(
        new FaceGateError(
          'INTERNAL',
          `The inference ${this.kind} has stopped (${this.exited}); restart FaceGate.`,
        ),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request = { id, type, ...payload } as InferenceRequest;
      try {
        this.channel.post(request, transfer);
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  private settle(response: InferenceResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (response.ok) pending.resolve(response.value);
    else {
      const { code, message, details } = response.error;
      pending.reject(new FaceGateError(code, message, details ? { details } : {}));
    }
  }

  private stopped(reason: string): void {
    if (this.exited !== undefined) return;
    this.exited = reason;
    const error = new FaceGateError('INTERNAL', `The inference ${this.kind} stopped (${reason}).`);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (!this.closing) for (const listener of this.exitListeners) listener(reason);
  }
}

/**
 * The bytes in a buffer of their own, so it can be transferred rather than copied. A view into a
 * larger buffer (a WebSocket message, Node's Buffer pool) is copied once: transferring would
 * detach memory the caller still uses.
 */
function movable(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof ArrayBuffer && handedOver.has(bytes.buffer)) return bytes;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer && !Buffer.isBuffer(bytes)
    ? bytes
    : new Uint8Array(bytes);
}

const handedOver = new WeakSet<ArrayBuffer>();

/**
 * The caller gives up this whole buffer: a frame that is a view into it is transferred with it
 * (view and offset kept) instead of copied first. The WebSocket host does this for a received
 * frames.submit message, which nothing else holds (saves a 1.2 MB copy on the serving thread).
 */
export function handOver(buffer: ArrayBuffer): void {
  handedOver.add(buffer);
}
