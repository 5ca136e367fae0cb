import type { Handlers } from '../context';

export const alarmHandlers: Pick<Handlers, 'alarms.list' | 'alarms.dismiss'> = {
  'alarms.list': (_args, _session, ctx) => ({ alarms: ctx.alarms.list() }),
  'alarms.dismiss': ({ id }, _session, ctx) => ({ alarms: ctx.alarms.dismiss(id) }),
};
