import {
  isBuiltInSerialPort,
  relayConfirmation,
  type DoorTestOutcome,
  type DoorStateChange,
  type DoorStatus,
  type PulseResult,
  type RelaySettings,
  type SerialPortInfo,
} from '../../shared/door';
import type { Settings } from '../../shared/settings';
import { DoorController } from '../door/controller';
import { createRelayDriver } from '../door/create-driver';
import type { RelayDriver } from '../door/driver';
import { writeDoorRecord } from '../door/relock-record';
import { listSerialPorts } from '../door/serial-ports';
import { FaceGateError } from '../errors';
import { SerialQueue } from '../serial-queue';

type DoorSettings = Settings['door'];

/** The controller's identity: a change of any of these means a new controller (old one relocked first). */
function controllerKey(door: DoorSettings): string | null {
  if (!door.enabled || !door.relay) return null;
  return JSON.stringify([door.relay, door.pulseSeconds, door.reassertSeconds]);
}

export interface DoorTestResult {
  ok: boolean;
  outcome: DoorTestOutcome;
  builtInPort: boolean;
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
  /** The relay settings of the live controller. */
  private relay: RelaySettings | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly queue = new SerialQueue();
  /** The live controller's driver, for the board's inputs (door supervision). */
  private driver: RelayDriver | null = null;

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
      const driver = createRelayDriver(door.relay);
      const controller = new DoorController({
        driver,
        timing: { pulseSeconds: door.pulseSeconds, reassertSeconds: door.reassertSeconds },
      });
      this.unsubscribe = controller.on(this.onState);
      this.controller = controller;
      this.driver = driver;
      this.key = key;
      this.relay = door.relay;
      const status = await controller.start();
      this.log(`door: ${door.relay.driver} on ${door.relay.port}: ${status.state} (${status.reason})`);
    });
  }

  /** Open for `ms` (default: the pulse setting). A disabled door does not open and says so. */
  /** One input of the board (door contact, exit button): Modbus discrete input or Numato GPIO. */
  readInput(index: number): Promise<boolean> {
    const driver = this.driver;
    if (!driver?.isOpen || !driver.readInput) {
      return Promise.reject(
        new FaceGateError(
          'INVALID_INPUT',
          driver
            ? `${driver.describe()} has no inputs FaceGate can read (Modbus and Numato boards do), or is not open.`
            : 'The door is disabled in the settings.',
        ),
      );
    }
    return driver.readInput(index);
  }

  pulse(reason: string, ms?: number): Promise<PulseResult> {
    const controller = this.controller;
    if (!controller)
      return Promise.resolve({
        opened: false,
        state: 'locked',
        reason: 'The door is disabled in the settings.',
      });
    const relay = this.relay;
    const confirms =
      relay !== null &&
      (relayConfirmation[relay.driver] === 'reply' ||
        (relayConfirmation[relay.driver] === 'status' && relay.readBack));
    return controller
      .pulse(ms ?? controller.pulseMs, reason)
      .then((result) => ({ ...result, confirmed: result.opened && confirms }));
  }

  /**
   * Pulses a relay and reports what can honestly be said about it. With relay settings of its own
   * (the admin's unsaved form) it drives a temporary controller, unless they name the port the live
   * door holds: then the live door is pulsed, since a second opener of the port would fail.
   *
   * "verified" needs an answer from the board: a Modbus board echoes every coil write; KMTronic and
   * Numato boards are asked for the relay's state while it is on and again once it is off. A
   * write-only board (LCUS, hex) can only be "sent": the bytes left, and a person must check that
   * the relay clicked. A port that cannot be opened, or a board that does not answer, is "failed".
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
      const settings = useLive ? this.relay! : relay!;
      const confirmation = relayConfirmation[settings.driver];
      const states: DoorStateChange[] = [];
      const stop = controller.on((change) => states.push(change));
      const result = (outcome: DoorTestOutcome, message: string): DoorTestResult => {
        const path = controller.status().path ?? settings.port;
        return {
          ok: outcome === 'verified',
          outcome,
          builtInPort: isBuiltInSerialPort(path),
          message,
          states,
        };
      };
      try {
        if (!useLive) await controller.start();
        const relocked = controller.waitFor(
          (c) => c.state !== 'unlocked' && c.previous === 'unlocked',
          pulseMs + 5000,
        );
        const pulsed = await controller.pulse(pulseMs, 'test');
        if (!pulsed.opened) {
          return result('failed', `The relay did not switch: ${pulsed.reason ?? pulsed.state}.`);
        }
        if (confirmation === 'status') {
          const on = await controller.readRelay().catch((error: unknown) => error as Error);
          if (on !== true) {
            await relocked;
            return result(
              'failed',
              on instanceof Error
                ? `The board did not answer the status query: ${on.message}`
                : 'The board says the relay did not switch on: check the channel and polarity settings.',
            );
          }
        }
        const after = await relocked;
        if (after?.state !== 'locked') {
          return result(
            'failed',
            `The relay switched on but did not confirm relocking (${after?.state ?? 'no answer'}): check the board.`,
          );
        }
        if (confirmation === 'status') {
          const on = await controller.readRelay().catch((error: unknown) => error as Error);
          if (on !== false) {
            return result(
              'failed',
              on instanceof Error
                ? `The board did not answer the status query after relocking: ${on.message}`
                : 'The board says the relay is still on after relocking: check the board.',
            );
          }
        }
        if (confirmation === 'none') {
          return result(
            'sent',
            `The on and off commands were sent (${pulseMs} ms apart). This board cannot answer, so check that the relay clicked.`,
          );
        }
        return result(
          'verified',
          `The board confirmed the relay switched on for ${pulseMs} ms and back off.`,
        );
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
    this.driver = null;
    this.key = null;
    this.relay = null;
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
    return this.queue.run(task);
  }
}
