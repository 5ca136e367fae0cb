import type { Handlers } from '../context';

export const adminHandlers: Pick<
  Handlers,
  'admin.state' | 'admin.setupPin' | 'admin.login' | 'admin.logout' | 'admin.changePin'
> = {
  'admin.state': (_args, session, ctx) => ctx.auth.state(session),
  'admin.setupPin': ({ pin }, session, ctx) => ctx.auth.setupPin(session, pin),
  'admin.login': ({ pin }, session, ctx) => ctx.auth.login(session, pin),
  'admin.logout': (_args, session, ctx) => ctx.auth.logout(session),
  'admin.changePin': ({ currentPin, newPin }, session, ctx) =>
    ctx.auth.changePin(session, currentPin, newPin),
};
