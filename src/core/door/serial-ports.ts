import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { SerialPortInfo } from '../../shared/door';
import { FaceGateError } from '../errors';
import { parsePortSpec } from './port-spec';
import { RelayError } from './relay-error';

const listTimeoutMs = 10_000;

/** True when `name` is an executable file in one of the PATH folders. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/**
 * The serial ports the operating system reports, with USB ids and serial numbers. Pseudo-terminals
 * (socat, virtual ports) are not listed: give their path directly.
 */
export async function listSerialPorts(
  options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {},
): Promise<SerialPortInfo[]> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  // On Linux serialport spawns `udevadm`; without it the spawn fails (and has crashed plain node).
  if (platform === 'linux' && !onPath('udevadm', env)) {
    throw new FaceGateError(
      'DOOR',
      'Listing serial ports needs `udevadm`, which is not installed. Install the `udev` package ' +
        '(Debian/Ubuntu: sudo apt-get install udev), or give the port by its path, e.g. --port /dev/ttyUSB0.',
    );
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const ports = await Promise.race([
      SerialPort.list(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${listTimeoutMs / 1000} s`)),
          listTimeoutMs,
        );
      }),
    ]);
    return ports.map(toPortInfo);
  } catch (error) {
    throw new FaceGateError(
      'DOOR',
      `Could not list serial ports: ${(error as Error).message}. Give the port by its path instead (e.g. /dev/ttyUSB0 or COM3).`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

interface RawPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  pnpId?: string;
  vendorId?: string;
  productId?: string;
}

function toPortInfo(raw: RawPortInfo): SerialPortInfo {
  const vendorId = raw.vendorId?.toLowerCase();
  const productId = raw.productId?.toLowerCase();
  const info: SerialPortInfo = { path: raw.path };
  if (raw.manufacturer) info.manufacturer = raw.manufacturer;
  if (raw.serialNumber) info.serialNumber = raw.serialNumber;
  if (raw.pnpId) info.pnpId = raw.pnpId;
  if (vendorId) info.vendorId = vendorId;
  if (productId) info.productId = productId;
  if (vendorId && productId) info.usbId = `${vendorId}:${productId}`;
  return info;
}

/**
 * The device path a port setting names now. A path is returned as is (a pty from socat, a
 * /dev/serial/by-id link, COM3); a USB id is looked up among the plugged-in ports every time, so a
 * board found again after re-plugging, or under a new COM number, is used.
 */
export async function resolvePortPath(
  port: string,
  list: () => Promise<SerialPortInfo[]> = () => listSerialPorts(),
): Promise<string> {
  const spec = parsePortSpec(port);
  if (spec.kind === 'path') return spec.path;
  let ports: SerialPortInfo[];
  try {
    ports = await list();
  } catch (error) {
    throw new RelayError('port-unavailable', (error as Error).message, { cause: error });
  }
  const matches = ports.filter(
    (p) =>
      p.vendorId === spec.vendorId &&
      p.productId === spec.productId &&
      (spec.serialNumber === undefined || p.serialNumber === spec.serialNumber),
  );
  if (matches.length === 1) return matches[0].path;
  if (matches.length === 0) {
    throw new RelayError(
      'port-unavailable',
      `No serial port with USB id ${port} is plugged in. Check the relay board's USB cable; ` +
        '`facegate relay list` shows the ports and their ids.',
    );
  }
  throw new RelayError(
    'port-unavailable',
    `${matches.length} ports match USB id ${port} (${matches.map((p) => p.path).join(', ')}). ` +
      'Add the serial number (vid:pid:serial) or give the path, e.g. a /dev/serial/by-path link.',
  );
}
