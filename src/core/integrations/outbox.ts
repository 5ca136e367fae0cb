import type { IntegrationEvent } from '../../shared/integrations';
import type { IntegrationStore, OutboxRow } from './store';

/** What one delivery attempt came to. `retry: false` gives up at once (e.g. 410 Gone). */
export type SendResult =
  { ok: true; status: number | null } | { ok: false; status: number | null; error: string; retry?: boolean };

/** A place events go: one webhook endpoint, or the MQTT broker. */
export interface OutboxTarget {
  /** False while it cannot take events (endpoint disabled, broker offline): rows wait, no attempt counts. */
  ready(): boolean;
  /** Attempts at once for this target. */
  concurrency(): number;
  send(event: IntegrationEvent): Promise<SendResult>;
}

export interface OutboxOptions {
  store: IntegrationStore;
  /** The target a row's name stands for now, or undefined (unknown: the row waits). */
  target: (name: string) => OutboxTarget | undefined;
  maxAttempts: () => number;
  now: () => number;
  log: (line: string) => void;
  /** First retry delay; it doubles per attempt up to maxDelayMs (tests shorten both). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Exponential backoff with ±20 % jitter, so many failed rows do not retry in lock step. */
export function backoffMs(attempts: number, base: number, max: number, random = Math.random): number {
  const delay = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(delay * (0.8 + 0.4 * random()));
}

/**
 * Delivers the outbox: every row is an event promised to one target, written to SQLite before
 * any attempt. Rows are sent in the background (the caller of `kick` never waits), up to each
 * target's concurrency, retried with backoff until delivered or out of attempts. A row is marked
 * delivered only after the target acknowledged it (HTTP 2xx, MQTT PUBACK), so a crash or a
 * receiver that is down means a later (possibly repeated) delivery, never a lost one.
 */
export class Outbox {
  private readonly inFlight = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private pumping = false;
  private again = false;
  private readonly idle = new Set<() => void>();
  private outcomes: { row: OutboxRow; result: SendResult }[] = [];
  private recording: NodeJS.Immediate | undefined;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly options: OutboxOptions) {
    this.base = options.baseDelayMs ?? 2000;
    this.max = options.maxDelayMs ?? 3_600_000;
  }

  /** Look for due rows now (after an enqueue, a reconnect, a settings change). */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.pump();
      } while (this.again);
    } catch (error) {
      this.options.log(`outbox: ${(error as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Resolves when nothing is in flight (tests, shutdown). */
  settled(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops sending; rows in flight finish (their outcome is still recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.settled();
  }

  private pump(): void {
    const { store } = this.options;
    const load = new Map<string, number>();
    for (const target of this.inFlight.values()) load.set(target, (load.get(target) ?? 0) + 1);
    const blocked = new Set<string>();
    for (const row of store.due(200, new Set(this.inFlight.keys()))) {
      if (blocked.has(row.target)) continue;
      const target = this.options.target(row.target);
      const used = load.get(row.target) ?? 0;
      if (!target || !target.ready() || used >= target.concurrency()) {
        blocked.add(row.target);
        continue;
      }
      load.set(row.target, used + 1);
      this.start(store.load(row), target);
    }
    this.schedule();
  }

  private start(row: OutboxRow, target: OutboxTarget): void {
    this.inFlight.set(row.id, row.target);
    void target
      .send(row.event)
      .catch((error: unknown): SendResult => ({ ok: false, status: null, error: (error as Error).message }))
      .then((result) => {
        this.outcomes.push({ row, result });
        this.recording ??= setImmediate(() => this.record());
      });
  }

  /**
   * Writes the outcomes of the attempts that finished since the last tick in one transaction
   * (the database syncs every commit: one per outcome would cap a fast receiver's rate), then
   * frees their slots and looks for more work.
   */
  private record(): void {
    this.recording = undefined;
    const outcomes = this.outcomes;
    this.outcomes = [];
    const { store } = this.options;
    try {
      store.inTransaction(() => {
        for (const { row, result } of outcomes) this.finish(row, result);
      });
    } catch (error) {
      // The rows stay pending and are sent again: at least once, never lost.
      this.options.log(`outbox: could not record ${outcomes.length} outcomes: ${(error as Error).message}`);
    }
    for (const { row } of outcomes) this.inFlight.delete(row.id);
    if (this.inFlight.size === 0) {
      for (const resolve of [...this.idle]) resolve();
      this.idle.clear();
    }
    this.kick();
  }

  private finish(row: OutboxRow, result: SendResult): void {
    const { store } = this.options;
    if (result.ok) {
      store.delivered(row.id, result.status);
      return;
    }
    const attempts = row.attempts + 1;
    const giveUp = result.retry === false || attempts >= this.options.maxAttempts();
    const retryAt = giveUp ? null : this.options.now() + backoffMs(attempts, this.base, this.max);
    store.attemptFailed(row.id, result.status, result.error, retryAt);
    if (giveUp) this.options.log(`outbox: gave up on ${row.target} event ${row.event.id}: ${result.error}`);
  }

  /** One timer for the earliest pending row (a row that waits on a busy target is kicked on finish). */
  private schedule(): void {
    const next = this.options.store.nextDue();
    if (next === null || this.stopped) return;
    const at = Math.max(next, this.options.now() + 20);
    if (this.timer && at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, at - this.options.now());
    this.timer.unref();
  }
}
