import type {
  DoorStateChange,
  DoorStatus,
  PulseResult,
  RelaySettings,
  SerialPortInfo,
} from '../../shared/door';
import type { Settings } from '../../shared/settings';
import { DoorController } from '../door/controller';
import { createRelayDriver } from '../door/create-driver';
import { writeDoorRecord } from '../door/relock-record';
import { listSerialPorts } from '../door/serial-ports';
import { FaceGateError } from '../errors';

type DoorSettings = Settings['door'];

/** The controller's identity: a change of any of these means a new controller (old one relocked first). */
function controllerKey(door: DoorSettings): string | null {
  if (!door.enabled || !door.relay) return null;
  return JSON.stringify([door.relay, door.pulseSeconds, door.reassertSeconds]);
}

export interface DoorTestResult {
  ok: boolean;
  message: string;
  states: DoorStateChange[];
}

/**
 * The door as the service uses it: one DoorController built from the door settings (none while
 * the door is disabled), replaced when the relay settings change, always shut down (relocked)
 * before another takes the port. State changes go to `onState`.
 */
export class DoorManager {
  private controller: DoorController | null = null;
  private key: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly onState: (change: DoorStateChange) => void,
    private readonly log: (line: string) => void,
    /** Where the door in use is recorded for the next start's early relock (relock-record.ts). */
    private readonly recordFile?: string,
  ) {}

  get enabled(): boolean {
    return this.controller !== null;
  }

  status(): DoorStatus | null {
    return this.controller?.status() ?? null;
  }

  /** Brings the controller in line with the settings (serialised with every other door change). */
  apply(door: DoorSettings): Promise<void> {
    return this.serial(async () => {
      const key = controllerKey(door);
      this.record(key === null ? null : (door.relay ?? null));
      if (key === this.key) return;
      await this.stop('settings-changed');
      if (key === null || !door.relay) return;
      const controller = new DoorController({
        driver: createRelayDriver(door.relay),
        timing: { pulseSeconds: door.pulseSeconds, reassertSeconds: door.reassertSeconds },
      });
      this.unsubscribe = controller.on(this.onState);
      this.controller = controller;
      this.key = key;
      const status = await controller.start();
      this.log(`door: ${door.relay.driver} on ${door.relay.port}: ${status.state} (${status.reason})`);
    });
  }

  /** Open for `ms` (default: the pulse setting). A disabled door does not open and says so. */
  pulse(reason: string, ms?: number): Promise<PulseResult> {
    const controller = this.controller;
    if (!controller)
      return Promise.resolve({
        opened: false,
        state: 'locked',
        reason: 'The door is disabled in the settings.',
      });
    return controller.pulse(ms ?? controller.pulseMs, reason);
  }

  /**
   * Pulses a relay and reports every state it went through. With relay settings of its own (the
   * admin's unsaved form) it drives a temporary controller, unless they name the port the live
   * door holds: then the live door is pulsed, since a second opener of the port would fail.
   */
  test(relay: RelaySettings | undefined, pulseMs: number): Promise<DoorTestResult> {
    return this.serial(async () => {
      const live = this.controller;
      const useLive = live && (!relay || live.status().port === relay.port);
      if (!relay && !live) {
        throw new FaceGateError('DOOR', 'No relay is set up: choose a driver and a port first, then test.');
      }
      const controller = useLive
        ? live
        : new DoorController({ driver: createRelayDriver(relay!), timing: {} });
      const states: DoorStateChange[] = [];
      const stop = controller.on((change) => states.push(change));
      try {
        if (!useLive) await controller.start();
        const relocked = controller.waitFor(
          (c) => c.state !== 'unlocked' && c.previous === 'unlocked',
          pulseMs + 5000,
        );
        const result = await controller.pulse(pulseMs, 'test');
        if (!result.opened) {
          return {
            ok: false,
            message: `The relay did not switch: ${result.reason ?? result.state}.`,
            states,
          };
        }
        const after = await relocked;
        const ok = after?.state === 'locked';
        return {
          ok,
          message: ok
            ? `The relay switched on for ${pulseMs} ms and back off.`
            : `The relay switched on but did not confirm relocking (${after?.state ?? 'no answer'}): check the board.`,
          states,
        };
      } finally {
        if (!useLive) await controller.shutdown('test-done');
        stop();
      }
    });
  }

  ports(): Promise<SerialPortInfo[]> {
    return listSerialPorts();
  }

  /** Relock and release the port (app quit, door disabled). */
  close(): Promise<void> {
    return this.serial(() => this.stop('shutdown'));
  }

  private async stop(reason: string): Promise<void> {
    const controller = this.controller;
    this.controller = null;
    this.key = null;
    if (!controller) return;
    const result = await controller.shutdown(reason);
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (!result.relocked)
      this.log(`door: shutting down, the relock was not confirmed (${result.detail ?? result.state})`);
  }

  private record(relay: RelaySettings | null): void {
    if (!this.recordFile) return;
    try {
      writeDoorRecord(this.recordFile, relay);
    } catch (error) {
      this.log(
        `door: cannot record the relay for the next start's early relock: ${(error as Error).message}`,
      );
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
