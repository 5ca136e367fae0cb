import { z } from 'zod';

/**
 * The door's domain types that cross process boundaries: relay settings (with defaults), door
 * states, state-change events and serial port info. The door controller lives in src/core/door;
 * docs/door.md explains the settings and the wiring.
 */

import { relayDrivers, type RelayDriverName } from './relay-drivers';

export { relayDrivers, type RelayDriverName };

/**
 * `normal`: the driver's "relay on" command releases the door. `inverted`: its "relay off"
 * command releases the door (an active-low board, or a lock wired so that an energised relay
 * keeps it locked). Either way "locked" is what FaceGate sends on start, on exit and at every
 * deadline.
 */
export const relayPolarities = ['normal', 'inverted'] as const;
export type RelayPolarity = (typeof relayPolarities)[number];

export const minPulseMs = 200;
export const maxPulseMs = 255_000;
export const defaultPulseMs = 3_000;

const hexBytesPattern = /^\s*(?:(?:0x)?[0-9a-fA-F]{2}[\s,:-]*)+$/;
const hexBytes = z
  .string()
  .regex(hexBytesPattern, 'hex bytes such as "A0 01 01 A2" (spaces, commas or colons between bytes)');

const serialCommon = {
  /**
   * A device path (/dev/ttyUSB0, /dev/serial/by-id/..., COM3) or a USB id "vid:pid" (optionally
   * "vid:pid:serialNumber") that finds the board again after re-plugging or a changed COM number.
   */
  port: z.string().trim().min(1, 'the serial port: a path such as /dev/ttyUSB0 or COM3, or a USB id vid:pid'),
  polarity: z.enum(relayPolarities).default('normal'),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** How long to wait for a board's reply (Modbus echo, read-back). */
  replyTimeoutMs: z.int().min(20).max(10_000).default(500),
  /** After every command, read the relay back and treat a mismatch as a fault (drivers that can). */
  readBack: z.boolean().default(false),
};

const baud = (fallback: number) => z.int().min(300).max(4_000_000).default(fallback);

/** LC Technology LCUS-1..8 (CH340): `A0 <ch> <op> <sum>`. */
export const lcusSettingsSchema = z.object({
  driver: z.literal('lcus'),
  ...serialCommon,
  baudRate: baud(9600),
  channel: z.int().min(1).max(8).default(1),
});

/** KMTronic USB relay boards: `FF <ch> 01|00`, status `FF <ch> 03`. */
export const kmtronicSettingsSchema = z.object({
  driver: z.literal('kmtronic'),
  ...serialCommon,
  baudRate: baud(9600),
  channel: z.int().min(1).max(255).default(1),
});

/** Numato Lab USB relay modules: `relay on N\r`; relays are numbered from 0 as on the board. */
export const numatoSettingsSchema = z.object({
  driver: z.literal('numato'),
  ...serialCommon,
  baudRate: baud(19200),
  channel: z.int().min(0).max(31).default(0),
});

/** Modbus RTU relay boards: write single coil (function 05). */
export const modbusSettingsSchema = z.object({
  driver: z.literal('modbus'),
  ...serialCommon,
  baudRate: baud(9600),
  slaveId: z.int().min(1).max(247).default(1),
  /** The coil's protocol address (from 0); many boards use coil 0 for relay 1. */
  coil: z.int().min(0).max(0xffff).default(0),
  /**
   * How a pulse is sent. 'flash': the board's own timer (Waveshare / LC Technology "flash on":
   * function 05 at address 0x02<coil>, value = time in 100 ms; "flash off" 0x04<coil> under
   * inverted polarity), so the board relocks by itself even if this PC dies mid-pulse. 'coil':
   * plain on, then off from the host (boards without a timer).
   */
  pulse: z.enum(['flash', 'coil']).default('coil'),
});

/** Any other board: the exact bytes that switch its relay on and off. */
export const hexSettingsSchema = z.object({
  driver: z.literal('hex'),
  ...serialCommon,
  baudRate: baud(9600),
  onHex: hexBytes,
  offHex: hexBytes,
});

export const relaySettingsSchema = z.discriminatedUnion('driver', [
  lcusSettingsSchema,
  kmtronicSettingsSchema,
  numatoSettingsSchema,
  modbusSettingsSchema,
  hexSettingsSchema,
]);
/** Relay settings after parsing: every default filled in. */
export type RelaySettings = z.infer<typeof relaySettingsSchema>;
/** Relay settings as a person or a settings file writes them: defaults may be left out. */
export type RelaySettingsInput = z.input<typeof relaySettingsSchema>;

/**
 * Whether the board relocks by itself at the end of a pulse (its own timer, so a host that dies
 * mid-pulse cannot leave the door released). Only Modbus boards with the flash command have one;
 * LCUS, KMTronic and Numato USB boards and custom bytes have no timer in their protocol: the door
 * then relies on FaceGate restarting (see docs/door.md, "Boards without a timer").
 */
export function relayHasBoardTimer(settings: RelaySettings | RelaySettingsInput): boolean {
  return settings.driver === 'modbus' && settings.pulse === 'flash';
}

/** The controller's timing. Seconds, as the admin screen shows them. */
export const doorTimingSchema = z.object({
  /** How long a pulse unlocks the door when the caller gives no duration. */
  pulseSeconds: z
    .number()
    .min(minPulseMs / 1000)
    .max(maxPulseMs / 1000)
    .default(defaultPulseMs / 1000),
  /** Re-send "locked" this often while locked (a board that reset or missed a command); 0: never. */
  reassertSeconds: z.number().min(0).max(3600).default(30),
  /** First wait before reopening a lost port; doubles per failure up to reconnectMaxSeconds. */
  reconnectSeconds: z.number().min(0.05).max(60).default(0.5),
  reconnectMaxSeconds: z.number().min(0.05).max(600).default(10),
});
export type DoorTiming = z.infer<typeof doorTimingSchema>;

export const doorStates = ['locked', 'unlocked', 'disconnected', 'fault'] as const;
export type DoorState = (typeof doorStates)[number];

/**
 * Why the state changed. Well-known reasons: 'startup', 'deadline', 'manual', 'reconnect',
 * 'recovered', 'shutdown', 'signal:SIGTERM', 'port-closed', 'port-error', 'port-unavailable',
 * 'write-failed', 'write-timeout', 'modbus-timeout', 'modbus-exception', 'modbus-bad-reply',
 * 'readback-mismatch', 'readback-timeout', and 'pulse:<caller's reason>' (e.g. 'pulse:recognised').
 */
export type DoorReason = string;

export const doorStateChangeSchema = z.object({
  state: z.enum(doorStates),
  previous: z.enum(doorStates),
  reason: z.string(),
  /** Epoch milliseconds. */
  at: z.number(),
  /** When unlocked: the epoch milliseconds at which the door relocks. */
  unlockedUntil: z.number().optional(),
  /** A message for a person: what failed and what to check. */
  detail: z.string().optional(),
});
export type DoorStateChange = z.infer<typeof doorStateChangeSchema>;

export const doorStatusSchema = z.object({
  state: z.enum(doorStates),
  reason: z.string(),
  since: z.number(),
  unlockedUntil: z.number().optional(),
  detail: z.string().optional(),
  driver: z.enum(relayDrivers),
  /** The port setting and, once opened, the device path it resolved to. */
  port: z.string(),
  path: z.string().optional(),
  /** The board relocks by itself at the end of a pulse (relayHasBoardTimer); false: only the host relocks. */
  boardTimer: z.boolean().optional(),
});
export type DoorStatus = z.infer<typeof doorStatusSchema>;

/** What a pulse did. `opened: false` means the door did not open (the access log says so). */
export const pulseResultSchema = z.object({
  opened: z.boolean(),
  state: z.enum(doorStates),
  unlockedUntil: z.number().optional(),
  /** Why the door did not open. */
  reason: z.string().optional(),
  /** The board confirmed the command (Modbus echo, or read-back on boards that can); false for write-only boards. */
  confirmed: z.boolean().optional(),
});
export type PulseResult = z.infer<typeof pulseResultSchema>;

export const serialPortInfoSchema = z.object({
  path: z.string(),
  manufacturer: z.string().optional(),
  serialNumber: z.string().optional(),
  /** Lower-case hex, e.g. '1a86'. */
  vendorId: z.string().optional(),
  productId: z.string().optional(),
  pnpId: z.string().optional(),
  /** "vid:pid" to put in the port setting, when the port is a USB device. */
  usbId: z.string().optional(),
});
export type SerialPortInfo = z.infer<typeof serialPortInfoSchema>;

/**
 * How each board can confirm a command. `reply`: the board answers every write (a Modbus coil
 * write is echoed); `status`: the board answers a status query (KMTronic `FF <ch> 03`, Numato
 * `relay read N`); `none`: write-only (LCUS boards document no status query, the hex driver knows
 * none), so only a person watching the relay can tell whether it switched.
 */
export const relayConfirmation: Record<RelayDriverName, 'reply' | 'status' | 'none'> = {
  modbus: 'reply',
  kmtronic: 'status',
  numato: 'status',
  lcus: 'none',
  hex: 'none',
};

/**
 * What a relay test found. verified: the board answered and switched on and back off; sent: the
 * bytes went out to a write-only board and nobody can tell whether a relay clicked; failed: the
 * port could not be opened or the board did not answer as it should.
 */
export const doorTestOutcomes = ['verified', 'sent', 'failed'] as const;
export type DoorTestOutcome = (typeof doorTestOutcomes)[number];

/** A serial port built into the computer (a UART), never a USB relay board: /dev/ttyS0, /dev/ttyAMA0. */
export function isBuiltInSerialPort(path: string): boolean {
  return /^\/dev\/tty(S|AMA)\d+$/.test(path);
}
