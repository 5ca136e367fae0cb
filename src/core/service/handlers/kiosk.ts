import type { Handlers } from '../context';

/** What the kiosk screen calls, without a PIN. */
export const kioskHandlers: Pick<
  Handlers,
  'frames.submit' | 'kiosk.config' | 'attendance.choose' | 'status.get' | 'status.reportCamera'
> = {
  'frames.submit': (frame, _session, ctx) => ctx.frames.submit(frame),
  'kiosk.config': (_args, _session, ctx) => {
    const settings = ctx.settings.current;
    return {
      attendanceMode: settings.attendance.mode,
      kiosk: settings.kiosk,
      doorEnabled: settings.door.enabled,
    };
  },
  'attendance.choose': ({ kind }, _session, ctx) => ctx.frames.choose(kind),
  'status.get': (_args, _session, ctx) => ctx.status.snapshot(),
  'status.reportCamera': (report, _session, ctx) => {
    ctx.status.reportCamera(report);
    return {};
  },
};
