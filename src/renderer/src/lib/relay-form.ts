import type { RelayDriverName, RelayPolarity, RelaySettings, RelaySettingsInput } from '../../../shared/door';

/**
 * The door page's relay form: flat fields for every driver, turned into the settings object the
 * selected driver understands (and back). Pure, so it is unit-tested under Node.
 */

export interface RelayForm {
  driver: RelayDriverName;
  port: string;
  polarity: RelayPolarity;
  channel: number;
  baudRate: number;
  slaveId: number;
  coil: number;
  /** Modbus: the board times the pulse itself (flash command) or the host does (coil). */
  boardPulse: 'flash' | 'coil';
  onHex: string;
  offHex: string;
}

export const drivers: readonly RelayDriverName[] = ['lcus', 'kmtronic', 'numato', 'modbus', 'hex'];

const defaultBaud: Record<RelayDriverName, number> = {
  lcus: 9600,
  kmtronic: 9600,
  numato: 19200,
  modbus: 9600,
  hex: 9600,
};

/** The channel range each driver accepts; null when the driver has no channel field. */
export function channelRange(driver: RelayDriverName): { min: number; max: number } | null {
  switch (driver) {
    case 'lcus':
      return { min: 1, max: 8 };
    case 'kmtronic':
      return { min: 1, max: 255 };
    case 'numato':
      return { min: 0, max: 31 };
    default:
      return null;
  }
}

const num = (value: unknown, fallback: number) =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;
const str = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);

/** Form fields from stored relay settings (none yet: LCUS defaults with an empty port). */
export function relayFormFrom(relay: RelaySettings | null): RelayForm {
  const settings: Readonly<Record<string, unknown>> = relay ?? {};
  const driver = drivers.includes(settings.driver as RelayDriverName)
    ? (settings.driver as RelayDriverName)
    : 'lcus';
  return {
    driver,
    port: str(settings.port, ''),
    polarity: settings.polarity === 'inverted' ? 'inverted' : 'normal',
    channel: num(settings.channel, driver === 'numato' ? 0 : 1),
    baudRate: num(settings.baudRate, defaultBaud[driver]),
    slaveId: num(settings.slaveId, 1),
    coil: num(settings.coil, 0),
    boardPulse: settings.pulse === 'flash' ? 'flash' : 'coil',
    onHex: str(settings.onHex, ''),
    offHex: str(settings.offHex, ''),
  };
}

/** The settings object for the form's driver: only the fields that driver has. */
export function relaySettingsFrom(form: RelayForm): RelaySettingsInput {
  const common = { port: form.port.trim(), polarity: form.polarity, baudRate: form.baudRate };
  switch (form.driver) {
    case 'modbus':
      return {
        driver: 'modbus',
        ...common,
        slaveId: form.slaveId,
        coil: form.coil,
        pulse: form.boardPulse,
      };
    case 'hex':
      return { driver: 'hex', ...common, onHex: form.onHex.trim(), offHex: form.offHex.trim() };
    default:
      return { driver: form.driver, ...common, channel: form.channel };
  }
}

/** Switching driver resets the fields whose meaning changes (baud rate, channel numbering). */
export function withDriver(form: RelayForm, driver: RelayDriverName): RelayForm {
  const range = channelRange(driver);
  const channel = range ? Math.min(range.max, Math.max(range.min, form.channel)) : form.channel;
  return { ...form, driver, baudRate: defaultBaud[driver], channel };
}
