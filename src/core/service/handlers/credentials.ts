import { FaceGateError } from '../../errors';
import { actorOf, type Handlers } from '../context';

type CredentialCalls =
  'credentials.present' | 'people.credentials' | 'people.setCredentials' | 'passback.reset';

/** Kiosk PINs, badges, duress PINs and anti-passback (docs/access.md); every change audited. */
export const credentialHandlers: Pick<Handlers, CredentialCalls> = {
  'credentials.present': (input, session, ctx) => {
    // A connection that acts as a kiosk is not an admin screen (as for frames).
    ctx.auth.endSession(session);
    return ctx.credentials.present(session, input);
  },
  'people.credentials': ({ personId }, _session, ctx) => {
    if (!ctx.gallery.people.get(personId)) {
      throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
    }
    return ctx.credentialStore.summary(personId);
  },
  'people.setCredentials': async ({ personId, pin, duressPin, badge }, session, ctx) => {
    // The desk's file, or at a site's kiosk the site (hashes and tags only), for every kiosk.
    const result = await ctx.writes.setCredentials(personId, {
      ...(pin !== undefined ? { pin } : {}),
      ...(duressPin !== undefined ? { duressPin } : {}),
      ...(badge !== undefined ? { badge } : {}),
    });
    // A new PIN starts its lockout count over.
    if (pin !== undefined) ctx.credentials.clearPerson(personId);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'person.credentials',
      personId,
      details: {
        ...(pin !== undefined ? { pin: pin === null ? 'removed' : 'set' } : {}),
        ...(duressPin !== undefined ? { duressPin: duressPin === null ? 'removed' : 'set' } : {}),
        ...(badge !== undefined ? { badge } : {}),
      },
      at: ctx.now(),
    });
    return result;
  },
  'passback.reset': ({ personId }, session, ctx) => {
    const reset = ctx.passback.reset(personId);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'access.passback_reset',
      ...(personId !== undefined ? { personId } : { target: 'everyone' }),
      details: { reset },
      at: ctx.now(),
    });
    return { reset };
  },
};
