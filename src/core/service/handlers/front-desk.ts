import type { Handlers } from '../context';

/** The front desk's admin calls: open alarms, today at a glance, try a photo. */
export const frontDeskHandlers: Pick<
  Handlers,
  'alarms.list' | 'alarms.dismiss' | 'attendance.today' | 'recognition.tryPhoto'
> = {
  'recognition.tryPhoto': ({ fileName, data }, _session, ctx) => ctx.frames.tryPhoto(data, fileName),
  'attendance.today': (_args, _session, ctx) => ctx.attendance.today(ctx.now()),
  'alarms.list': (_args, _session, ctx) => ({ alarms: ctx.alarms.list() }),
  'alarms.dismiss': ({ id }, _session, ctx) => ({ alarms: ctx.alarms.dismiss(id) }),
};
