import { existsSync } from 'node:fs';
import { numberOption, stringOption, writeJson, type Command, type CommandContext } from '../command';
import { exitCodeFor, exitCodes } from '../exit-codes';
import { DoorController, createRelayDriver, installShutdownRelock } from '../../core/door';
import { FaceGateError } from '../../core/errors';
import { Attendance } from '../../core/attendance/attendance';
import { FaceGateDatabase } from '../../core/gallery/database';
import { defaultDatabasePath } from '../../core/paths';
import {
  defaultPulseMs,
  type DoorStateChange,
  type PulseResult,
  type RelaySettings,
} from '../../shared/door';
import { describeChange, relayOptions, relayOptionsHelp, relaySettingsFromOptions } from './relay';

/** Records a manual open; the seam between the door and whatever keeps the audit log. */
export type ManualOpenAudit = (entry: {
  seconds: number;
  result: PulseResult;
  settings: RelaySettings;
}) => void;

/**
 * The record of `door open`: a manual_open attendance event and its audit entry in the database
 * named by --db, else the user's database when it exists; undefined when there is none (the open
 * then goes unrecorded, and says so). Opened before the door so a database that cannot be
 * written stops the open.
 */
function openAudit(
  ctx: CommandContext,
): { audit: ManualOpenAudit; close: () => void; file: string } | undefined {
  const named = stringOption(ctx, 'db');
  const file = named ?? defaultDatabasePath();
  if (!named && !existsSync(file)) return undefined;
  const db = FaceGateDatabase.open(file);
  const attendance = new Attendance(db);
  // While the door is open nothing may wait for the database (better-sqlite3 waits synchronously,
  // which would hold the relock timer): a write it cannot take now is kept in the journal and
  // made after the relock, or by the next FaceGate start.
  db.setBusyTimeout(0);
  const pending = attendance.keepPendingWrites(() => {});
  return {
    file: db.file,
    close: () => {
      if (pending.count > 0) {
        db.setBusyTimeout(10_000);
        try {
          pending.flush();
        } catch (error) {
          ctx.stderr.write(
            `facegate door: the audit entry is kept in ${pending.file} and written by the next FaceGate start (${(error as Error).message})\n`,
          );
        }
      }
      db.close();
    },
    audit: ({ seconds, result, settings }) => {
      attendance.manualOpen({
        actor: 'cli',
        seconds,
        doorOpened: result.opened,
        note: [`${settings.driver} on ${settings.port}`, result.reason].filter(Boolean).join(': '),
      });
    },
  };
}

async function open(ctx: CommandContext): Promise<number> {
  const settings = relaySettingsFromOptions(ctx);
  const seconds = numberOption(ctx, 'seconds') ?? defaultPulseMs / 1000;
  const auditing = openAudit(ctx);
  const door = new DoorController({ driver: createRelayDriver(settings) });
  const events: DoorStateChange[] = [];
  door.on((change) => {
    events.push(change);
    if (!ctx.json) ctx.stdout.write(`${describeChange(change)}\n`);
  });
  const uninstall = installShutdownRelock(door, {
    onSignal: (signal) => ctx.stderr.write(`facegate door: ${signal}: relocking before exit\n`),
  });
  let failure: string | undefined;
  let result: PulseResult | undefined;
  try {
    const started = await door.start();
    if (started.state !== 'locked') {
      failure = `The door could not be locked first, so it was not opened: ${started.detail ?? started.reason}`;
      auditing?.audit({
        seconds,
        result: { opened: false, state: started.state, reason: failure },
        settings,
      });
    } else {
      result = await door.pulse(seconds * 1000, 'manual');
      auditing?.audit({ seconds, result, settings });
      if (!result.opened) {
        failure = `The door did not open: ${result.reason}`;
      } else {
        if (!ctx.json) ctx.stderr.write(`Door open for ${seconds} s; Ctrl-C relocks at once.\n`);
        const after = await door.waitFor((c) => c.state !== 'unlocked', seconds * 1000 + 30_000);
        if (after?.state !== 'locked') {
          failure = `The door did not relock: ${after?.detail ?? after?.reason ?? 'no answer'}`;
        }
      }
    }
  } finally {
    const final = await door.shutdown();
    uninstall();
    auditing?.close();
    if (!failure && !final.relocked) failure = `The final relock failed: ${final.detail ?? final.reason}`;
  }
  if (!auditing && !ctx.json) {
    ctx.stderr.write(`Not audited: no database at ${defaultDatabasePath()} (give --db FILE).\n`);
  }
  if (ctx.json) {
    writeJson(ctx, {
      ok: !failure,
      opened: result?.opened ?? false,
      ...(failure ? { message: failure } : {}),
      seconds,
      audited: auditing ? auditing.file : null,
      events,
    });
  }
  if (failure) {
    ctx.stderr.write(`facegate door open: ${failure}\n`);
    return exitCodeFor('DOOR');
  }
  return exitCodes.ok;
}

export const doorCommand: Command = {
  name: 'door',
  summary: 'Open the door by hand for a few seconds (audited), then relock',
  usage: 'open [--seconds N] --port P --protocol NAME [relay options] [--db FILE]',
  options: { ...relayOptions, seconds: { type: 'string' }, db: { type: 'string' } },
  help: [
    'facegate door open --seconds 5 --port /dev/ttyUSB0 --protocol lcus',
    '  Locks first, opens for --seconds (0.2 to 255, default 3), relocks, and records the open in the',
    '  audit log of --db FILE (default: the user database, when it exists). SIGINT/SIGTERM relock at once.',
    '',
    relayOptionsHelp,
  ].join('\n'),
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action !== 'open') {
      throw new FaceGateError(
        'INVALID_INPUT',
        action ? `unknown action '${action}': use open.` : 'say open (facegate door --help).',
      );
    }
    const seconds = numberOption(ctx, 'seconds');
    if (seconds !== undefined && (seconds < 0.2 || seconds > 255)) {
      throw new FaceGateError('INVALID_INPUT', `--seconds must be 0.2 to 255, got ${seconds}.`);
    }
    return open(ctx);
  },
};
