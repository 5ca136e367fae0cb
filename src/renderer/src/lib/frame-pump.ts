import { backoffDelay } from './backoff';

/**
 * Sends camera frames to the app with at most ONE frame in flight. While a frame is being
 * analysed, new frames are only noted, never queued; when the result comes back the newest frame
 * is grabbed and sent. Errors back off exponentially so a lost connection does not spin.
 * Pure logic over injected functions (no DOM), so it is unit-tested under Node.
 */

export interface FramePumpOptions<F, R> {
  /**
   * The newest frame right now, or null when there is none yet (video not ready). May answer later
   * (the camera's planes are copied asynchronously): the pump counts as busy meanwhile.
   */
  grab: () => F | null | Promise<F | null>;
  submit: (frame: F) => Promise<R>;
  onResult: (result: R) => void;
  onError: (error: unknown) => void;
  /** Milliseconds to wait after a result before sending again (e.g. longer while models load). */
  pauseAfter?: (result: R) => number;
  errorBaseMs?: number;
  errorMaxMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface FramePumpStats {
  /** Frames sent to the app. */
  sent: number;
  /** New-frame signals that came while a frame was in flight or during a pause (not sent). */
  skipped: number;
  errors: number;
}

export class FramePump<F, R> {
  private running = false;
  private inFlight = false;
  /** A frame newer than the last one sent is available. */
  private pending = false;
  private timer: unknown = undefined;
  private consecutiveErrors = 0;
  /** Bumped on stop(), so a result from before a stop is ignored. */
  private generation = 0;
  readonly stats: FramePumpStats = { sent: 0, skipped: 0, errors: 0 };
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: FramePumpOptions<F, R>) {
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  get busy(): boolean {
    return this.inFlight;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pending = true;
    this.sendIfIdle();
  }

  stop(): void {
    this.running = false;
    this.inFlight = false;
    this.pending = false;
    this.generation++;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** The camera produced a new frame. */
  frameAvailable(): void {
    if (!this.running) return;
    if (this.inFlight || this.timer !== undefined) {
      if (this.pending) this.stats.skipped++;
      this.pending = true;
      return;
    }
    this.pending = true;
    this.sendIfIdle();
  }

  private sendIfIdle(): void {
    if (!this.running || this.inFlight || this.timer !== undefined || !this.pending) return;
    const grabbed = this.options.grab();
    if (grabbed === null) return; // stays pending: the next frameAvailable() tries again
    this.pending = false;
    this.inFlight = true;
    if (!(grabbed instanceof Promise)) {
      this.send(grabbed);
      return;
    }
    const generation = this.generation;
    grabbed.then(
      (frame) => {
        if (generation !== this.generation) return;
        if (frame !== null) {
          this.send(frame);
          return;
        }
        // Nothing to send after all: wait for the next picture, as a null grab does.
        this.inFlight = false;
        this.pending = true;
      },
      (error: unknown) => this.failed(generation, error),
    );
  }

  private send(frame: F): void {
    this.stats.sent++;
    const generation = this.generation;
    this.options.submit(frame).then(
      (result) => {
        if (generation !== this.generation) return;
        this.inFlight = false;
        this.consecutiveErrors = 0;
        this.options.onResult(result);
        this.pauseThenContinue(this.options.pauseAfter?.(result) ?? 0);
      },
      (error: unknown) => this.failed(generation, error),
    );
  }

  private failed(generation: number, error: unknown): void {
    if (generation !== this.generation) return;
    this.inFlight = false;
    this.stats.errors++;
    this.options.onError(error);
    const delay = backoffDelay(
      this.consecutiveErrors++,
      this.options.errorBaseMs ?? 250,
      this.options.errorMaxMs ?? 5000,
    );
    this.pending = true; // try again with a fresh frame after the pause
    this.pauseThenContinue(delay);
  }

  private pauseThenContinue(ms: number): void {
    if (!this.running) return;
    if (ms <= 0) {
      this.sendIfIdle();
      return;
    }
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.sendIfIdle();
    }, ms);
  }
}
