import {
  doorTimingSchema,
  maxPulseMs,
  minPulseMs,
  type DoorReason,
  type DoorState,
  type DoorStateChange,
  type DoorStatus,
  type DoorTiming,
  type PulseResult,
} from '../../shared/door';
import type { z } from 'zod';
import { FaceGateError } from '../errors';
import type { RelayDriver } from './driver';
import { asRelayError, type RelayError } from './relay-error';
import { SerialQueue } from '../serial-queue';

export type DoorListener = (change: DoorStateChange) => void;

export interface DoorControllerOptions {
  driver: RelayDriver;
  timing?: z.input<typeof doorTimingSchema>;
}

/** Consecutive failed relocks in fault after which the port is closed and opened again. */
const reopenAfterFaults = 3;

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * The door: one state machine, one timer. States are locked, unlocked (until a deadline),
 * disconnected (the port is gone; reconnecting with backoff) and fault (the port is open but the
 * board did not confirm; relocking is retried with backoff). Whatever happens, the next thing
 * sent to a board after start, reconnect, a deadline, a fault or shutdown is "locked".
 *
 * Every operation runs in one queue, so commands never interleave and a deadline cannot relock
 * in the middle of a pulse. Nothing throws out of the controller except a pulse duration out of
 * range (a caller's mistake); port and board failures become state changes with a reason.
 */
export class DoorController {
  private readonly driver: RelayDriver;
  private readonly timing: DoorTiming;
  private readonly listeners = new Set<DoorListener>();
  private phase: Phase = 'idle';
  private current: Omit<DoorStatus, 'driver' | 'port' | 'path'> = {
    state: 'disconnected',
    reason: 'not-started',
    since: Date.now(),
  };
  private timer: NodeJS.Timeout | undefined;
  /** Bumped whenever the timer is replaced, so a task that already fired but waits in the queue knows it is stale. */
  private timerToken = 0;
  private readonly queue = new SerialQueue();
  /**
   * The relock deadline on the monotonic clock (performance.now()): a wall-clock change (NTP,
   * daylight saving, an admin fixing the date) must never stretch how long the door stays open.
   */
  private deadline: number | undefined;
  private retries = 0;
  private faults = 0;
  private stopDriverWatch: (() => void) | undefined;
  private shutdownDone: Promise<DoorStatus & { relocked: boolean }> | undefined;

  constructor(options: DoorControllerOptions) {
    this.driver = options.driver;
    this.timing = doorTimingSchema.parse(options.timing ?? {});
  }

  /** Listen to every state change; returns the function that stops listening. */
  on(listener: DoorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next state change that satisfies `test`, or undefined after `timeoutMs`. */
  waitFor(
    test: (change: DoorStateChange) => boolean,
    timeoutMs: number,
  ): Promise<DoorStateChange | undefined> {
    return new Promise((resolve) => {
      const stop = this.on((change) => {
        if (!test(change)) return;
        clearTimeout(timer);
        stop();
        resolve(change);
      });
      const timer = setTimeout(() => {
        stop();
        resolve(undefined);
      }, timeoutMs);
    });
  }

  status(): DoorStatus {
    const path = this.driver.path;
    return {
      ...this.current,
      driver: this.driver.settings.driver,
      port: this.driver.settings.port,
      ...(path ? { path } : {}),
      boardTimer: this.driver.boardTimer,
    };
  }

  get pulseMs(): number {
    return Math.round(this.timing.pulseSeconds * 1000);
  }

  /** Open the port and send "locked" before anything else. Resolves once that succeeded or failed. */
  start(): Promise<DoorStatus> {
    if (this.phase !== 'idle') return Promise.resolve(this.status());
    this.phase = 'running';
    this.stopDriverWatch = this.driver.onLost((error) => this.portLost(error));
    return this.exclusive(async () => {
      await this.connect('startup');
      return this.status();
    });
  }

  /**
   * Release the door for `ms` milliseconds (200 to 255 000), then relock. While already unlocked
   * the deadline moves later (never earlier). While disconnected or in fault nothing is sent and
   * the result says the door did not open.
   */
  pulse(ms: number = this.pulseMs, reason: string = 'manual'): Promise<PulseResult> {
    if (!Number.isFinite(ms) || ms < minPulseMs || ms > maxPulseMs) {
      return Promise.reject(
        new FaceGateError(
          'INVALID_INPUT',
          `A door pulse lasts ${minPulseMs / 1000} to ${maxPulseMs / 1000} seconds; got ${ms / 1000} s.`,
        ),
      );
    }
    return this.exclusive(() => this.pulseNow(ms, `pulse:${reason}`));
  }

  /**
   * Ask the board whether the door is released (in the command queue, so never in the middle of
   * a pulse): undefined for write-only boards. Throws a RelayError when the board does not answer.
   * Used by the relay test to confirm that a board is really there.
   */
  readRelay(): Promise<boolean | undefined> {
    return this.exclusive(async () => (this.driver.readBack ? await this.driver.readBack() : undefined));
  }

  /** Relock now (also retries at once from a fault). */
  lock(reason: DoorReason = 'manual'): Promise<DoorStatus> {
    return this.exclusive(async () => {
      if (this.phase === 'running' && this.current.state !== 'disconnected') await this.relock(reason);
      return this.status();
    });
  }

  /**
   * Orderly stop: send "locked", close the port, stop the timer. Safe to call more than once;
   * every call gets the same result. `relocked` says whether the board took the command.
   */
  shutdown(reason: DoorReason = 'shutdown'): Promise<DoorStatus & { relocked: boolean }> {
    if (this.shutdownDone) return this.shutdownDone;
    const wasRunning = this.phase === 'running';
    this.phase = 'stopping';
    this.clearTimer();
    this.shutdownDone = this.exclusive(async () => {
      let relocked = false;
      let detail: string | undefined;
      if (wasRunning && this.driver.isOpen) {
        try {
          await this.driver.setRelay(false);
          relocked = true;
        } catch (error) {
          detail = asRelayError(error, this.driver.settings.port).message;
        }
      }
      this.stopDriverWatch?.();
      await this.driver.close();
      this.clearTimer();
      this.transition('disconnected', reason, detail);
      this.phase = 'stopped';
      return { ...this.status(), relocked };
    });
    return this.shutdownDone;
  }

  /**
   * Last resort while the process is exiting and no async work can run: write the "locked"
   * bytes synchronously. Returns whether they were written.
   */
  relockSync(): boolean {
    if (this.phase === 'stopped') return false;
    return this.driver.relockSync();
  }

  private async pulseNow(ms: number, reason: string): Promise<PulseResult> {
    const { state } = this.current;
    if (this.phase !== 'running') {
      return { opened: false, state, reason: 'The door controller is not running.' };
    }
    if (state === 'unlocked') {
      const later = performance.now() + ms;
      if (this.deadline === undefined || later > this.deadline) {
        // The board's own timer must be moved too, or it relocks at the first deadline.
        if (this.driver.boardTimer && this.driver.pulseRelay) {
          try {
            await this.driver.pulseRelay(ms);
          } catch (error) {
            const failure = asRelayError(error, this.driver.settings.port);
            await this.fail(failure);
            return { opened: false, state: this.current.state, reason: failure.message };
          }
        }
        this.openUntil(later, reason);
      }
      return { opened: true, state: 'unlocked', unlockedUntil: this.current.unlockedUntil };
    }
    if (state !== 'locked') {
      return {
        opened: false,
        state,
        reason: `The door is ${state}${this.current.detail ? `: ${this.current.detail}` : ''}`,
      };
    }
    try {
      // A board with a timer is asked for "open for ms" and relocks by itself even if this
      // process dies; the host still relocks at the deadline as well.
      if (this.driver.boardTimer && this.driver.pulseRelay) await this.driver.pulseRelay(ms);
      else await this.driver.setRelay(true);
    } catch (error) {
      const failure = asRelayError(error, this.driver.settings.port);
      await this.fail(failure);
      return { opened: false, state: this.current.state, reason: failure.message };
    }
    this.openUntil(performance.now() + ms, reason);
    return { opened: true, state: 'unlocked', unlockedUntil: this.current.unlockedUntil };
  }

  /** Unlocked until `deadline` (monotonic ms); the timer relocks then. */
  private openUntil(deadline: number, reason: DoorReason): void {
    this.deadline = deadline;
    this.transition('unlocked', reason, undefined, Math.ceil(Date.now() + (deadline - performance.now())));
    this.schedule(deadline - performance.now(), async () => {
      if (this.current.state === 'unlocked') await this.relock('deadline');
    });
  }

  /** Open the port and send "locked"; on success the door is locked. */
  private async connect(reason: DoorReason): Promise<void> {
    try {
      await this.driver.open();
      await this.driver.setRelay(false);
    } catch (error) {
      await this.fail(asRelayError(error, this.driver.settings.port));
      return;
    }
    this.retries = 0;
    this.faults = 0;
    this.transition('locked', reason);
    this.scheduleReassert();
  }

  private async relock(reason: DoorReason): Promise<void> {
    try {
      await this.driver.setRelay(false);
    } catch (error) {
      await this.fail(asRelayError(error, this.driver.settings.port));
      return;
    }
    this.retries = 0;
    this.faults = 0;
    this.transition('locked', reason);
    this.scheduleReassert();
  }

  /** A command failed: a lost port means reconnecting, a misbehaving board means fault. */
  private async fail(error: RelayError): Promise<void> {
    if (this.phase !== 'running') return;
    if (error.portLost) {
      await this.driver.close();
      this.enterDisconnected(error);
      return;
    }
    this.transition('fault', error.reason, error.message);
    this.schedule(this.nextBackoff(), () => this.recover());
  }

  private portLost(error: RelayError): void {
    if (this.phase !== 'running') return;
    this.enterDisconnected(error);
  }

  private enterDisconnected(error: RelayError): void {
    const already = this.current.state === 'disconnected';
    this.transition('disconnected', error.reason, error.message);
    // Already waiting to reconnect (the port-lost event and the failed command both report it).
    if (already && this.timer) return;
    this.schedule(this.nextBackoff(), () => this.connect('reconnect'));
  }

  /** In fault: send "locked" again; after a few failures reopen the port first. */
  private async recover(): Promise<void> {
    if (this.current.state !== 'fault') return;
    this.faults++;
    if (this.faults >= reopenAfterFaults) {
      this.faults = 0;
      try {
        await this.driver.open();
      } catch (error) {
        await this.fail(asRelayError(error, this.driver.settings.port));
        return;
      }
    }
    await this.relock('recovered');
  }

  private async reassert(): Promise<void> {
    if (this.current.state !== 'locked') return;
    try {
      await this.driver.setRelay(false);
    } catch (error) {
      await this.fail(asRelayError(error, this.driver.settings.port));
      return;
    }
    this.scheduleReassert();
  }

  private scheduleReassert(): void {
    if (this.timing.reassertSeconds > 0) {
      this.schedule(this.timing.reassertSeconds * 1000, () => this.reassert());
    } else {
      this.clearTimer();
    }
  }

  private nextBackoff(): number {
    const first = this.timing.reconnectSeconds * 1000;
    const delay = Math.min(first * 2 ** this.retries, this.timing.reconnectMaxSeconds * 1000);
    this.retries = Math.min(this.retries + 1, 30);
    return delay;
  }

  /** The one timer: replaces whatever was scheduled. */
  private schedule(delayMs: number, task: () => Promise<void>): void {
    this.clearTimer();
    if (this.phase !== 'running') return;
    const token = this.timerToken;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.exclusive(async () => {
          if (token === this.timerToken && this.phase === 'running') await task();
        });
      },
      Math.max(0, delayMs),
    );
  }

  private clearTimer(): void {
    this.timerToken++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private transition(state: DoorState, reason: DoorReason, detail?: string, unlockedUntil?: number): void {
    const previous = this.current.state;
    if (state !== 'unlocked') this.deadline = undefined;
    if (previous === state && state !== 'unlocked' && this.current.reason === reason) {
      if (detail) this.current = { ...this.current, detail };
      return;
    }
    const at = Date.now();
    this.current = {
      state,
      reason,
      since: previous === state ? this.current.since : at,
      ...(detail ? { detail } : {}),
      ...(unlockedUntil !== undefined ? { unlockedUntil } : {}),
    };
    const change: DoorStateChange = {
      state,
      previous,
      reason,
      at,
      ...(unlockedUntil !== undefined ? { unlockedUntil } : {}),
      ...(detail ? { detail } : {}),
    };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not stop the door from relocking.
      }
    }
  }
}
