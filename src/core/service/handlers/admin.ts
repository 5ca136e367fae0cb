import type { Handlers } from '../context';

export const adminHandlers: Pick<
  Handlers,
  'admin.state' | 'admin.setupPin' | 'admin.login' | 'admin.logout' | 'admin.changePin'
> = {
  'admin.state': (_args, session, ctx) => ctx.auth.state(session),
  'admin.setupPin': ({ pin, account }, session, ctx) => ctx.auth.setupPin(session, pin, account),
  'admin.login': ({ pin, account }, session, ctx) => ctx.auth.login(session, pin, account || undefined),
  'admin.logout': (_args, session, ctx) => ctx.auth.logout(session),
  'admin.changePin': ({ currentPin, newPin }, session, ctx) =>
    ctx.auth.changePin(session, currentPin, newPin),
};
