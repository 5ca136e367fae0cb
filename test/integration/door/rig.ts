import type { z } from 'zod';
import { DoorController } from '../../../src/core/door/controller';
import { createRelayDriver } from '../../../src/core/door/create-driver';
import {
  relaySettingsSchema,
  type DoorStateChange,
  type RelaySettingsInput,
  type doorTimingSchema,
} from '../../../src/shared/door';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, type PtyPair } from '../../helpers/socat';

/** Relay settings minus the port (distributes over the union of drivers). */
export type SettingsWithoutPort = RelaySettingsInput extends infer T
  ? T extends unknown
    ? Omit<T, 'port'>
    : never
  : never;

export interface DoorRig {
  pair: PtyPair;
  board: RelayBoardSimulator;
  door: DoorController;
  events: DoorStateChange[];
}

const controllers: DoorController[] = [];
const boards: RelayBoardSimulator[] = [];

/** A pty pair, a board simulator on its far end and a door controller (not started) on its near end. */
export async function doorRig(
  settings: SettingsWithoutPort,
  timing: z.input<typeof doorTimingSchema> = {},
): Promise<DoorRig> {
  const pair = await createPtyPair();
  const parsed = relaySettingsSchema.parse({ port: pair.devicePath, ...settings } as RelaySettingsInput);
  const board = await RelayBoardSimulator.attach(pair.boardPath, {
    protocol: parsed.driver,
    ...(parsed.driver === 'modbus' ? { slaveId: parsed.slaveId } : {}),
    ...(parsed.driver === 'hex' ? { onHex: parsed.onHex, offHex: parsed.offHex } : {}),
  });
  boards.push(board);
  const door = new DoorController({
    driver: createRelayDriver(parsed),
    timing: { reassertSeconds: 0, ...timing },
  });
  controllers.push(door);
  const events: DoorStateChange[] = [];
  door.on((change) => events.push(change));
  return { pair, board, door, events };
}

/** For afterEach: shut every controller down, close every board, stop every socat. */
export async function disposeDoorRigs(): Promise<void> {
  await Promise.all(controllers.splice(0).map((door) => door.shutdown('test-end')));
  await Promise.all(boards.splice(0).map((board) => board.close()));
  await disposeAllPtyPairs();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The next state change matching `test`; fails the test after `timeoutMs`. */
export async function nextChange(
  door: DoorController,
  test: (change: DoorStateChange) => boolean,
  timeoutMs = 10_000,
): Promise<DoorStateChange> {
  const change = await door.waitFor(test, timeoutMs);
  if (!change)
    throw new Error(
      `no matching door state change within ${timeoutMs} ms; now ${JSON.stringify(door.status())}`,
    );
  return change;
}
