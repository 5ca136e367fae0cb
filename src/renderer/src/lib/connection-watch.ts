/**
 * Tells the kiosk within about a second when it has lost the app (the host stopped, the network
 * went, the app hangs) and when it is back. It asks `ping` (the kiosk passes status.get, whose
 * answer it uses too) every `intervalMs`: a ping that fails, or has not answered after
 * `timeoutMs`, means offline; the next answer means online. A WebSocket that closes fails the ping
 * in flight at once; a host that hangs is caught by the timeout. Pure logic over injected timers,
 * so it is unit-tested under Node.
 */

export interface ConnectionWatchOptions<T> {
  ping: () => Promise<T>;
  onAnswer: (value: T) => void;
  onChange: (online: boolean) => void;
  intervalMs?: number;
  timeoutMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export class ConnectionWatch<T> {
  private online = true;
  private running = false;
  private generation = 0;
  private next: unknown;
  private deadline: unknown;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: ConnectionWatchOptions<T>) {
    this.intervalMs = options.intervalMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 1200;
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  get isOnline(): boolean {
    return this.online;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.clearTimer(this.next);
    this.clearTimer(this.deadline);
  }

  private tick(): void {
    if (!this.running) return;
    const generation = ++this.generation;
    let settled = false;
    this.deadline = this.setTimer(() => {
      if (!settled && generation === this.generation) this.set(false);
    }, this.timeoutMs);
    const done = (ok: boolean, value?: T) => {
      if (settled || !this.running) return;
      settled = true;
      this.clearTimer(this.deadline);
      if (ok) {
        this.set(true);
        this.options.onAnswer(value as T);
      } else this.set(false);
      // The next ping only once this one is over: a hung host is never asked twice at once.
      if (generation === this.generation) this.next = this.setTimer(() => this.tick(), this.intervalMs);
    };
    this.options.ping().then(
      (value) => done(true, value),
      () => done(false),
    );
  }

  private set(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    this.options.onChange(online);
  }
}
