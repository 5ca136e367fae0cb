import { FaceGateError } from '../errors';
import type { RgbImage } from '../image/types';
import type {
  DetectedFrame,
  DetectFrameOptions,
  FaceOptions,
  HostAnalysis,
  InferenceHost,
  InferenceLoadOptions,
  LoadedModels,
  HostFrame,
} from './types';

export interface RestartOptions {
  /** The first restart waits this long (ms); each crash in a row doubles it ... */
  minDelayMs?: number;
  /** ... up to this. */
  maxDelayMs?: number;
  /** A host that stayed up this long resets the delay to the minimum. */
  stableMs?: number;
  log?: (line: string) => void;
}

/** What the service is told when the host died and when a new one is up. */
export interface RestartEvents {
  /** The host stopped; a new one starts in `delayMs`. */
  crashed(reason: string, delayMs: number, restarts: number): void;
  /** A new host is running (nothing is loaded in it yet). */
  restarted(restarts: number): void;
}

/**
 * An inference host that comes back: when the worker or utility process dies (a native crash,
 * out of memory, killed), a new one is started after a delay that doubles with each crash in a
 * row (1 s, 2 s, 4 s ... 1 min) and resets once a host has stayed up for 5 minutes. Calls made
 * while it is down fail at once with a clear error; the service reloads the models into the new
 * host (ModelManager) and the status says what happened. A kiosk that runs for days survives.
 */
export class RestartingInferenceHost implements InferenceHost {
  private current: InferenceHost;
  private startedAt: number;
  private delayMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private down: string | undefined;
  private closed = false;
  private readonly exitListeners = new Set<(reason: string) => void>();
  private readonly restartListeners = new Set<RestartEvents>();
  restarts = 0;

  constructor(
    private readonly create: () => InferenceHost,
    private readonly options: RestartOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.delayMs = options.minDelayMs ?? 1000;
    this.current = this.start();
    this.startedAt = now();
  }

  get kind(): string {
    return this.current.kind;
  }

  /** Tell `events` about crashes and restarts (the ModelManager reloads on `restarted`). */
  onRestart(events: RestartEvents): () => void {
    this.restartListeners.add(events);
    return () => this.restartListeners.delete(events);
  }

  async load(options: InferenceLoadOptions): Promise<LoadedModels> {
    return await this.live().load(options);
  }

  async analyzeFrame(frame: HostFrame, options?: FaceOptions): Promise<HostAnalysis> {
    return await this.live().analyzeFrame(frame, options);
  }

  async analyzePhoto(bytes: Uint8Array, name: string, options?: FaceOptions): Promise<HostAnalysis> {
    return await this.live().analyzePhoto(bytes, name, options);
  }

  async embedAligned(crop: RgbImage): Promise<Float32Array> {
    return await this.live().embedAligned(crop);
  }

  async detectFrame(frame: HostFrame, options?: DetectFrameOptions): Promise<DetectedFrame> {
    return await this.live().detectFrame(frame, options);
  }

  async finishFrame(ticket: number, options?: FaceOptions): Promise<HostAnalysis> {
    return await this.live().finishFrame(ticket, options);
  }

  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.current.close();
  }

  private live(): InferenceHost {
    if (this.down !== undefined) {
      throw new FaceGateError(
        'INTERNAL',
        `The inference ${this.current.kind} stopped (${this.down}); it is being restarted.`,
      );
    }
    return this.current;
  }

  private start(): InferenceHost {
    const host = this.create();
    host.onExit((reason) => this.crashed(host, reason));
    return host;
  }

  private crashed(host: InferenceHost, reason: string): void {
    if (this.closed || host !== this.current) return;
    this.down = reason;
    const stable = this.options.stableMs ?? 5 * 60_000;
    if (this.now() - this.startedAt >= stable) this.delayMs = this.options.minDelayMs ?? 1000;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxDelayMs ?? 60_000);
    this.restarts++;
    this.options.log?.(`inference: the ${host.kind} stopped (${reason}); restarting in ${delay} ms`);
    for (const listener of this.exitListeners) listener(reason);
    for (const events of this.restartListeners) events.crashed(reason, delay, this.restarts);
    this.timer = setTimeout(() => {
      if (this.closed) return;
      this.current = this.start();
      this.startedAt = this.now();
      this.down = undefined;
      for (const events of this.restartListeners) events.restarted(this.restarts);
    }, delay);
    this.timer.unref?.();
  }
}
