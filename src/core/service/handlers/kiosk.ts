import type { Handlers } from '../context';

/** What the kiosk screen calls, without a PIN. */
export const kioskHandlers: Pick<
  Handlers,
  'frames.submit' | 'kiosk.config' | 'attendance.choose' | 'status.get' | 'status.reportCamera'
> = {
  'frames.submit': (frame, session, ctx) => {
    // A connection that acts as a kiosk is not an admin screen: its admin login (if any) ends.
    ctx.auth.endSession(session);
    return ctx.frames.submit(frame, session);
  },
  'kiosk.config': (_args, _session, ctx) => {
    const settings = ctx.settings.current;
    return {
      attendanceMode: settings.attendance.mode,
      noChoice: settings.attendance.noChoice,
      kiosk: settings.kiosk,
      doorEnabled: settings.door.enabled,
      pinPad: ctx.credentialStore.any(),
    };
  },
  'attendance.choose': ({ kind }, session, ctx) => ctx.frames.choose(session, kind),
  'status.get': (_args, _session, ctx) => ctx.status.snapshot(),
  'status.reportCamera': (report, _session, ctx) => {
    ctx.status.reportCamera(report);
    return {};
  },
};
