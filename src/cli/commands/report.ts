import { Attendance } from '../../core/attendance/attendance';
import { formatLocal } from '../../core/attendance/time-zone';
import { FaceGateError } from '../../core/errors';
import { stringOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { csvHelp, writeCsv } from './events';
import { attendanceOptions, databaseHelp, databaseOptions, withGallery, parsePersonId } from './people';

function hours(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(Math.round(minutes % 60)).padStart(2, '0')}`;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Attendance per day and person (first in, last out, time present, late) and a range summary',
  usage: '--from DATE --to DATE [--group G] [--person ID] [--shift GROUP=HH:MM] [--csv FILE]',
  options: {
    ...databaseOptions,
    from: { type: 'string' },
    to: { type: 'string' },
    group: { type: 'string' },
    person: { type: 'string' },
    shift: { type: 'string', multiple: true },
    csv: { type: 'string' },
    'no-bom': { type: 'boolean', default: false },
    tz: { type: 'string' },
  },
  help: [
    'DATE is a local calendar day, YYYY-MM-DD (both ends included). A night shift (e.g. 22:00) keeps its',
    'events after midnight on the day it started. Late means a first check-in at least a minute after the',
    "group's shift start. Shift starts come from the app's settings; --shift adds or overrides one",
    '(repeatable; an empty GROUP, "=09:00", is people without a group).',
    '',
    csvHelp,
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    const from = stringOption(ctx, 'from');
    const to = stringOption(ctx, 'to') ?? from;
    if (!from || !to)
      throw new FaceGateError(
        'INVALID_INPUT',
        'Give the days: facegate report --from YYYY-MM-DD --to YYYY-MM-DD',
      );
    return withGallery(ctx, async (gallery) => {
      const attendance = new Attendance(gallery.db, attendanceOptions(ctx, gallery));
      const personText = stringOption(ctx, 'person');
      const query = {
        from,
        to,
        group: stringOption(ctx, 'group'),
        personId: personText === undefined ? undefined : parsePersonId(personText),
      };
      const csvFile = stringOption(ctx, 'csv');
      if (csvFile) {
        writeCsv(ctx, csvFile, attendance.reportCsv(query, { bom: !ctx.values['no-bom'] }));
        if (csvFile !== '-') ctx.stderr.write(`Wrote the report for ${from} to ${to} to ${csvFile}.\n`);
        return exitCodes.ok;
      }
      const report = attendance.report(query);
      if (ctx.json) {
        writeJson(ctx, report);
        return exitCodes.ok;
      }
      const tz = report.timeZone;
      const time = (iso: string | null) =>
        iso === null ? '-' : formatLocal(Date.parse(iso), tz).slice(11, 16);
      for (const r of report.rows) {
        ctx.stdout.write(
          `${r.date}  ${r.person.name.padEnd(24)} in ${time(r.firstIn)}  out ${time(r.lastOut)}  present ${hours(r.presentMinutes)}` +
            `${r.late ? `  late ${r.lateMinutes} min` : ''}\n`,
        );
      }
      if (report.summary.length) ctx.stdout.write(`\nSummary ${report.from} to ${report.to} (${tz}):\n`);
      for (const s of report.summary) {
        ctx.stdout.write(
          `  ${s.person.name.padEnd(24)} ${s.days} day(s), present ${hours(s.presentMinutes)}, late ${s.lateDays} day(s) (${s.lateMinutes} min)\n`,
        );
      }
      if (!report.rows.length) ctx.stdout.write(`No check-ins from ${from} to ${to} (${tz}).\n`);
      return exitCodes.ok;
    });
  },
};
