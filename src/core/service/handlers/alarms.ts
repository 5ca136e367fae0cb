import type { Handlers } from '../context';

/** The admin start page: open alarms and today at a glance. */
export const alarmHandlers: Pick<Handlers, 'alarms.list' | 'alarms.dismiss' | 'attendance.today'> = {
  'attendance.today': (_args, _session, ctx) => ctx.attendance.today(ctx.now()),
  'alarms.list': (_args, _session, ctx) => ({ alarms: ctx.alarms.list() }),
  'alarms.dismiss': ({ id }, _session, ctx) => ({ alarms: ctx.alarms.dismiss(id) }),
};
