import {
  numberOption,
  stringOption,
  writeJson,
  type Command,
  type CommandContext,
  type OptionSpec,
} from '../command';
import { exitCodeFor, exitCodes } from '../exit-codes';
import { DoorController, createRelayDriver, installShutdownRelock, listSerialPorts } from '../../core/door';
import { FaceGateError } from '../../core/errors';
import {
  relayDrivers,
  relaySettingsSchema,
  type DoorStateChange,
  type RelaySettings,
} from '../../shared/door';

/** The options that describe a relay board; `facegate door` takes them too. */
export const relayOptions: OptionSpec = {
  port: { type: 'string' },
  protocol: { type: 'string' },
  channel: { type: 'string' },
  baud: { type: 'string' },
  polarity: { type: 'string' },
  parity: { type: 'string' },
  'stop-bits': { type: 'string' },
  slave: { type: 'string' },
  coil: { type: 'string' },
  'on-hex': { type: 'string' },
  'off-hex': { type: 'string' },
  'reply-timeout': { type: 'string' },
  'read-back': { type: 'boolean', default: false },
  'board-pulse': { type: 'string' },
};

export const relayOptionsHelp = [
  'Relay options:',
  '  --port P            device path (/dev/ttyUSB0, COM3, a pty) or USB id vid:pid[:serial]',
  `  --protocol NAME     ${relayDrivers.join(', ')}`,
  '  --channel N         relay on the board (LCUS/KMTronic from 1, Numato from 0)',
  '  --baud N            default: 9600 (Numato 19200)',
  '  --polarity P        normal (relay on = door released) or inverted (active-low board, maglock wiring)',
  '  --parity P          none, even or odd; --stop-bits 1 or 2',
  '  --slave N --coil N  Modbus slave id (default 1) and coil address (default 0)',
  '  --on-hex H --off-hex H   hex protocol: the bytes that switch the relay, e.g. "A0 01 01 A2"',
  '  --reply-timeout MS  wait for a board reply this long (default 500)',
  '  --read-back         read the relay back after each command (KMTronic, Numato, Modbus)',
  '  --board-pulse P     Modbus: flash (the board times the pulse and relocks by itself, Waveshare /',
  '                      LC Technology boards) or coil (on, then off from this PC; the default)',
  'docs/door.md explains the wiring and the polarity setting.',
].join('\n');

/** Option name for each settings key, to name the right option in an error. */
const optionFor: Record<string, string> = {
  driver: 'protocol',
  port: 'port',
  channel: 'channel',
  baudRate: 'baud',
  polarity: 'polarity',
  parity: 'parity',
  stopBits: 'stop-bits',
  slaveId: 'slave',
  coil: 'coil',
  onHex: 'on-hex',
  offHex: 'off-hex',
  replyTimeoutMs: 'reply-timeout',
  pulse: 'board-pulse',
};

/** Relay settings from the command line, validated by the same schema the app uses. */
export function relaySettingsFromOptions(ctx: CommandContext): RelaySettings {
  const port = stringOption(ctx, 'port');
  const driver = stringOption(ctx, 'protocol');
  if (!port) {
    throw new FaceGateError(
      'INVALID_INPUT',
      '--port is required: a path such as /dev/ttyUSB0 or COM3, or a USB id vid:pid (see `facegate relay list`).',
    );
  }
  if (!driver)
    throw new FaceGateError('INVALID_INPUT', `--protocol is required: one of ${relayDrivers.join(', ')}.`);
  const raw: Record<string, unknown> = { driver, port, readBack: Boolean(ctx.values['read-back']) };
  const numbers: [string, string][] = [
    ['channel', 'channel'],
    ['baudRate', 'baud'],
    ['stopBits', 'stop-bits'],
    ['slaveId', 'slave'],
    ['coil', 'coil'],
    ['replyTimeoutMs', 'reply-timeout'],
  ];
  for (const [key, option] of numbers) {
    const value = numberOption(ctx, option);
    if (value !== undefined) raw[key] = value;
  }
  for (const [key, option] of [
    ['polarity', 'polarity'],
    ['parity', 'parity'],
    ['onHex', 'on-hex'],
    ['offHex', 'off-hex'],
    ['pulse', 'board-pulse'],
  ]) {
    const value = stringOption(ctx, option);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = relaySettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'protocol');
    throw new FaceGateError('INVALID_INPUT', `--${optionFor[key] ?? key}: ${issue.message}.`);
  }
  return parsed.data;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** One line per state change, for people watching the terminal. */
export function describeChange(change: DoorStateChange): string {
  const until = change.unlockedUntil !== undefined ? `  until ${clock(change.unlockedUntil)}` : '';
  const detail = change.detail ? `  ${change.detail}` : '';
  return `${clock(change.at)}  ${change.state.padEnd(12)}  ${change.reason}${until}${detail}`;
}

async function list(ctx: CommandContext): Promise<number> {
  const ports = await listSerialPorts();
  if (ctx.json) {
    writeJson(ctx, { ports });
    return exitCodes.ok;
  }
  if (ports.length === 0) {
    ctx.stdout.write(
      'No serial ports found. Plug the relay board in; virtual ports (socat ptys) are not listed, give their path to --port.\n',
    );
    return exitCodes.ok;
  }
  const width = Math.max(4, ...ports.map((p) => p.path.length));
  const lines = [`${'PATH'.padEnd(width)}  USB ID     SERIAL            MANUFACTURER`];
  for (const port of ports) {
    lines.push(
      `${port.path.padEnd(width)}  ${(port.usbId ?? '-').padEnd(9)}  ${(port.serialNumber ?? '-').padEnd(16)}  ${port.manufacturer ?? '-'}`,
    );
  }
  lines.push(
    '',
    'Use the path, or the USB id (vid:pid) to find the board again after re-plugging, as --port.',
  );
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}

async function test(ctx: CommandContext): Promise<number> {
  const settings = relaySettingsFromOptions(ctx);
  const pulseMs = numberOption(ctx, 'pulse') ?? 500;
  const door = new DoorController({ driver: createRelayDriver(settings), timing: { reassertSeconds: 0 } });
  const events: DoorStateChange[] = [];
  door.on((change) => {
    events.push(change);
    if (!ctx.json) ctx.stdout.write(`${describeChange(change)}\n`);
  });
  const uninstall = installShutdownRelock(door);
  let failure: string | undefined;
  try {
    const started = await door.start();
    if (started.state !== 'locked') {
      failure = `Could not lock the relay first: ${started.detail ?? started.reason}`;
    } else {
      const pulse = await door.pulse(pulseMs, 'test');
      if (!pulse.opened) {
        failure = `The relay did not open: ${pulse.reason}`;
      } else {
        const after = await door.waitFor((c) => c.state !== 'unlocked', pulseMs + 15_000);
        if (after?.state !== 'locked') {
          failure = `The relay did not relock: ${after?.detail ?? after?.reason ?? 'no answer'}`;
        }
      }
    }
  } finally {
    const final = await door.shutdown('test-end');
    uninstall();
    if (!failure && !final.relocked) failure = `The final relock failed: ${final.detail ?? final.reason}`;
  }
  if (ctx.json)
    writeJson(ctx, { ok: !failure, ...(failure ? { message: failure } : {}), settings, pulseMs, events });
  if (failure) {
    ctx.stderr.write(`facegate relay test: ${failure}\n`);
    return exitCodeFor('DOOR');
  }
  if (!ctx.json)
    ctx.stdout.write(`OK: ${door.status().driver} relay opened for ${pulseMs} ms and relocked.\n`);
  return exitCodes.ok;
}

export const relayCommand: Command = {
  name: 'relay',
  summary: 'List serial ports, or pulse a relay board to test the wiring',
  usage: 'list | test --port P --protocol NAME [--channel N] [--pulse MS] [relay options]',
  options: { ...relayOptions, pulse: { type: 'string' } },
  help: [
    'facegate relay list                  serial ports with USB vendor:product ids and serial numbers',
    'facegate relay test --port /dev/ttyUSB0 --protocol lcus --channel 1 --pulse 500',
    '                                     lock, open for --pulse ms (default 500), relock; prints each state',
    '',
    relayOptionsHelp,
  ].join('\n'),
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action === 'list') return list(ctx);
    if (action === 'test') return test(ctx);
    throw new FaceGateError(
      'INVALID_INPUT',
      action ? `unknown action '${action}': use list or test.` : 'say list or test (facegate relay --help).',
    );
  },
};
