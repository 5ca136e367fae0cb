import { writeFileSync } from 'node:fs';
import { eventKinds, type EventKind } from '../../shared/attendance';
import { Attendance } from '../../core/attendance/attendance';
import { formatLocal } from '../../core/attendance/time-zone';
import { FaceGateError } from '../../core/errors';
import { numberOption, stringOption, writeJson, type Command, type CommandContext } from '../command';
import { exitCodes } from '../exit-codes';
import {
  attendanceOptions,
  cliActor,
  databaseHelp,
  databaseOptions,
  withGallery,
  parsePersonId,
} from './people';

/** Writes CSV to a file, or to stdout for '-'. */
export function writeCsv(ctx: CommandContext, file: string, csv: string): void {
  if (file === '-') ctx.stdout.write(csv);
  else {
    try {
      writeFileSync(file, csv);
    } catch (error) {
      throw new FaceGateError('INVALID_INPUT', `Cannot write ${file}: ${(error as Error).message}`);
    }
  }
}

export const csvHelp = [
  '  --csv FILE            write CSV (UTF-8 with a byte-order mark, so Excel reads names right; - for stdout)',
  '  --no-bom              leave the byte-order mark out',
  '  --tz ZONE             IANA time zone for local days and times (default: the app setting, else the system)',
].join('\n');

function kindsOption(ctx: CommandContext): EventKind[] | undefined {
  const text = stringOption(ctx, 'kind');
  if (!text) return undefined;
  const kinds = text.split(',').map((k) => k.trim());
  const wrong = kinds.filter((k) => !(eventKinds as readonly string[]).includes(k));
  if (wrong.length) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Unknown event kind '${wrong.join(', ')}'. Kinds: ${eventKinds.join(', ')}.`,
    );
  }
  return kinds as EventKind[];
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'The attendance and access log, as a list or CSV; purge old events',
  usage: '[--from DATE] [--to DATE] [--person ID] [--kind K,...] [--csv FILE] | purge [--days N]',
  options: {
    ...databaseOptions,
    from: { type: 'string' },
    to: { type: 'string' },
    person: { type: 'string' },
    kind: { type: 'string' },
    limit: { type: 'string' },
    csv: { type: 'string' },
    'no-bom': { type: 'boolean', default: false },
    tz: { type: 'string' },
    days: { type: 'string' },
  },
  help: [
    'Dates are local calendar days (YYYY-MM-DD; --to includes that day) or exact ISO times.',
    '',
    `  --kind K,...          only these kinds (${eventKinds.join(', ')})`,
    '  --person ID           only this person',
    '  --limit N             at most N events in the list (default 1000; CSV has them all)',
    csvHelp,
    '',
    "  purge [--days N]      delete events older than N days (default: the app's retention setting)",
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    return withGallery(ctx, async (gallery) => {
      const options = attendanceOptions(ctx, gallery);
      const days = numberOption(ctx, 'days');
      if (days !== undefined) options.retentionDays = days;
      const attendance = new Attendance(gallery.db, options);
      if (ctx.positionals[0] === 'purge') {
        if (attendance.options.retentionDays <= 0) {
          throw new FaceGateError(
            'INVALID_INPUT',
            'Say how old events must be to go: --days N (no retention is set).',
          );
        }
        const purged = attendance.purgeExpired(Date.now(), cliActor);
        if (ctx.json) writeJson(ctx, { purged, retentionDays: attendance.options.retentionDays });
        else
          ctx.stdout.write(
            `Purged ${purged} event(s) older than ${attendance.options.retentionDays} days.\n`,
          );
        return exitCodes.ok;
      }
      if (ctx.positionals.length)
        throw new FaceGateError('INVALID_INPUT', `Unknown action '${ctx.positionals[0]}'.`);
      const personText = stringOption(ctx, 'person');
      const query = {
        from: stringOption(ctx, 'from'),
        to: stringOption(ctx, 'to'),
        personId: personText === undefined ? undefined : parsePersonId(personText),
        kinds: kindsOption(ctx),
      };
      const csvFile = stringOption(ctx, 'csv');
      if (csvFile) {
        writeCsv(ctx, csvFile, attendance.eventsCsv(query, { bom: !ctx.values['no-bom'] }));
        if (csvFile !== '-')
          ctx.stderr.write(
            `Wrote ${attendance.events({ ...query, limit: 1 }).total} event(s) to ${csvFile}.\n`,
          );
        return exitCodes.ok;
      }
      const result = attendance.events({
        ...query,
        order: 'oldest',
        limit: numberOption(ctx, 'limit') ?? 1000,
      });
      if (ctx.json) writeJson(ctx, { ...result, timeZone: attendance.timeZone });
      else {
        for (const e of result.events) {
          const similarity = e.similarity === null ? '' : ` ${e.similarity.toFixed(3)}`;
          ctx.stdout.write(
            `${formatLocal(Date.parse(e.at), attendance.timeZone)}  ${e.kind.padEnd(11)} ${e.person ? `${e.person.name} (id ${e.person.id})` : '-'}` +
              `${similarity}${e.doorOpened ? '  door opened' : ''}  ${e.device}\n`,
          );
        }
        ctx.stdout.write(
          `${result.events.length} of ${result.total} event(s), times in ${attendance.timeZone}.\n`,
        );
      }
      return exitCodes.ok;
    });
  },
};
