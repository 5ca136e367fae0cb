import type { Handlers } from '../context';

/** The front desk's admin calls: open alarms, today at a glance, try a photo, event snapshots. */
export const frontDeskHandlers: Pick<
  Handlers,
  | 'alarms.list'
  | 'alarms.dismiss'
  | 'attendance.today'
  | 'recognition.tryPhoto'
  | 'events.snapshot'
  | 'events.snapshotIds'
> = {
  'events.snapshot': ({ id }, _session, ctx) => {
    const jpeg = ctx.snapshots.get(id);
    return jpeg ? { mime: 'image/jpeg' as const, data: new Uint8Array(jpeg) } : null;
  },
  'events.snapshotIds': ({ ids }, _session, ctx) => ({ ids: ctx.snapshots.having(ids) }),
  'recognition.tryPhoto': ({ fileName, data }, _session, ctx) => ctx.frames.tryPhoto(data, fileName),
  'attendance.today': (_args, _session, ctx) => ctx.attendance.today(ctx.now()),
  'alarms.list': (_args, _session, ctx) => ({ alarms: ctx.alarms.list() }),
  'alarms.dismiss': ({ id }, _session, ctx) => ({ alarms: ctx.alarms.dismiss(id) }),
};
