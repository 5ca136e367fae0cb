import type { RelaySettings } from '../../shared/door';
import type { RelayDriver } from './driver';
import { HexDriver } from './drivers/hex';
import { KmtronicDriver } from './drivers/kmtronic';
import { LcusDriver } from './drivers/lcus';
import { ModbusDriver } from './drivers/modbus';
import { NumatoDriver } from './drivers/numato';

/** The driver for parsed relay settings (relaySettingsSchema). */
export function createRelayDriver(
  settings: RelaySettings,
  resolvePort?: (port: string) => Promise<string>,
): RelayDriver {
  switch (settings.driver) {
    case 'lcus':
      return new LcusDriver(settings, resolvePort);
    case 'kmtronic':
      return new KmtronicDriver(settings, resolvePort);
    case 'numato':
      return new NumatoDriver(settings, resolvePort);
    case 'modbus':
      return new ModbusDriver(settings, resolvePort);
    case 'hex':
      return new HexDriver(settings, resolvePort);
  }
}
