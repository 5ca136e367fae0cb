import type { Handlers } from '../context';
import { actorOf } from '../context';

/** Kiosk pairing: the kiosk redeems a code or resumes with its token; the admin makes codes and revokes. */
export const pairingHandlers: Pick<
  Handlers,
  'pairing.state' | 'pairing.redeem' | 'pairing.resume' | 'pairing.create' | 'pairing.list' | 'pairing.revoke'
> = {
  'pairing.state': (_args, session, ctx) => ctx.pairing.state(session),
  'pairing.redeem': ({ code }, session, ctx) => {
    const { token, device } = ctx.pairing.redeem(session, code);
    ctx.gallery.audit.record({
      actor: `kiosk (${session.label})`,
      action: 'kiosk.pair',
      target: `kiosk:${device.id}`,
      details: { name: device.name },
    });
    ctx.log(`pairing: kiosk '${device.name}' paired from ${session.label}`);
    return { token, kiosk: device };
  },
  'pairing.resume': ({ token }, session, ctx) => ctx.pairing.resume(session, token),
  'pairing.create': ({ name }, _session, ctx) => ctx.pairing.createCode(name),
  'pairing.list': (_args, _session, ctx) => ({ kiosks: ctx.pairing.list() }),
  'pairing.revoke': ({ id }, session, ctx) => {
    const removed = ctx.pairing.revoke(id);
    if (removed) {
      ctx.gallery.audit.record({
        actor: actorOf(session),
        action: 'kiosk.revoke',
        target: `kiosk:${id}`,
        details: { name: removed.name },
      });
    }
    return { removed: removed !== null };
  },
};
