import type { CallArgs } from '../../../shared/contract';
import { addDays, startOfLocalDay } from '../../attendance/time-zone';
import type { Handlers, ServiceContext } from '../context';

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** A bound as epoch ms: a day means its start (from) or the next day's start (to) in the report time zone. */
function boundMs(ctx: ServiceContext, value: string | undefined, end: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (!isDay(value)) return Date.parse(value);
  const zone = ctx.attendance.timeZone;
  return startOfLocalDay(end ? addDays(value, 1) : value, zone);
}

function csvName(kind: string, from: string | undefined, to: string | undefined): string {
  const part = (v: string | undefined, fallback: string) => (v ?? fallback).slice(0, 10);
  return `facegate-${kind}-${part(from, 'start')}-to-${part(to, new Date().toISOString())}.csv`;
}

function eventQuery(args: Omit<CallArgs<'events.exportCsv'>, 'bom'>) {
  return {
    ...(args.from ? { from: args.from } : {}),
    ...(args.to ? { to: args.to } : {}),
    ...(args.personId !== undefined ? { personId: args.personId } : {}),
    ...(args.kinds ? { kinds: args.kinds } : {}),
  };
}

export const recordHandlers: Pick<
  Handlers,
  'events.query' | 'events.exportCsv' | 'reports.daily' | 'reports.exportCsv' | 'audit.query'
> = {
  'events.query': ({ limit, offset, ...filter }, _session, ctx) =>
    ctx.attendance.events({ ...eventQuery(filter), limit, offset }),
  'events.exportCsv': ({ bom, ...filter }, _session, ctx) => ({
    fileName: csvName('events', filter.from, filter.to),
    csv: ctx.attendance.eventsCsv(eventQuery(filter), { bom }),
  }),
  'reports.daily': (query, _session, ctx) => ctx.attendance.report(query),
  'reports.exportCsv': ({ bom, ...query }, _session, ctx) => ({
    fileName: csvName('report', query.from, query.to),
    csv: ctx.attendance.reportCsv(query, { bom }),
  }),
  'audit.query': ({ from, to, limit, offset }, _session, ctx) => {
    const fromMs = boundMs(ctx, from, false);
    const toMs = boundMs(ctx, to, true);
    return ctx.gallery.audit.list({
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
      limit,
      offset,
    });
  },
};
