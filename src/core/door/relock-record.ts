import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { RelaySettings } from '../../shared/door';
import { relayDrivers } from '../../shared/relay-drivers';
import { createRelayDriver } from './create-driver';
import { asRelayError } from './relay-error';

/**
 * The relay settings of the door in use, kept beside the database (`<db>.door.json`) so that the
 * next start can send "locked" before it loads anything else (the database, the models, the UI):
 * a board without its own timer that was left released by a crash is relocked within a second of
 * the restart. Written whenever the door settings change; removed when the door is disabled.
 */
export function doorRecordPath(databaseFile: string): string {
  return `${databaseFile}.door.json`;
}

export function writeDoorRecord(file: string, relay: RelaySettings | null): void {
  if (!relay) {
    rmSync(file, { force: true });
    return;
  }
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${JSON.stringify(relay)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * The recorded relay settings, or null when there are none or they are not a relay's. They were
 * written already parsed (every default filled in); only their shape is checked here, without
 * zod, which alone would take a third of a second to load on a slow PC.
 */
export function readDoorRecord(file: string): RelaySettings | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<RelaySettings> | null;
    if (
      typeof value !== 'object' ||
      value === null ||
      !relayDrivers.includes(value.driver as RelaySettings['driver']) ||
      typeof value.port !== 'string' ||
      typeof value.baudRate !== 'number'
    ) {
      return null;
    }
    return value as RelaySettings;
  } catch {
    return null;
  }
}

export interface EarlyRelockResult {
  relocked: boolean;
  /** What failed, for the log. */
  detail?: string;
}

/**
 * Send "locked" to the recorded board and close the port again, within `timeoutMs`. Nothing
 * recorded: nothing to do. The full door controller opens the port afterwards and locks again.
 */
export async function relockFromRecord(file: string, timeoutMs = 2000): Promise<EarlyRelockResult | null> {
  const relay = readDoorRecord(file);
  if (!relay) return null;
  const driver = createRelayDriver(relay);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        await driver.open();
        await driver.setRelay(false);
      })(),
      timeout,
    ]);
    return { relocked: true };
  } catch (error) {
    return { relocked: false, detail: asRelayError(error, relay.port).message };
  } finally {
    clearTimeout(timer);
    await driver.close().catch(() => {});
  }
}
