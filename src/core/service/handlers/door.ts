import { FaceGateError } from '../../errors';
import { actorOf, type Handlers } from '../context';

export const doorHandlers: Pick<Handlers, 'door.status' | 'door.open' | 'door.test' | 'door.ports'> = {
  'door.status': (_args, _session, ctx) => ({ enabled: ctx.door.enabled, status: ctx.door.status() }),
  'door.open': async ({ seconds }, session, ctx) => {
    if (!ctx.door.enabled) {
      throw new FaceGateError(
        'DOOR',
        'The door is disabled in the settings: set up the relay and enable it first.',
      );
    }
    const ms = Math.round((seconds ?? ctx.settings.current.door.pulseSeconds) * 1000);
    // The door first; the record never holds it (a database that cannot take the event now
    // gets it later, from the journal, and this call still says what the door did).
    const result = await ctx.door.pulse('manual', ms);
    const event = ctx.attendance.manualOpen({
      actor: actorOf(session),
      seconds: ms / 1000,
      doorOpened: result.opened,
      at: ctx.now(),
    });
    if (event) ctx.bus.emit('attendance.recorded', event);
    const later = event ? '' : ' The database is busy: the event is kept and written when it is back.';
    return {
      ...result,
      message:
        (result.opened
          ? `The door is open for ${ms / 1000} s.`
          : `The door did not open: ${result.reason ?? result.state}.`) + later,
    };
  },
  'door.test': ({ relay, pulseMs }, _session, ctx) => ctx.door.test(relay, pulseMs),
  'door.ports': async (_args, _session, ctx) => ({ ports: await ctx.door.ports() }),
};
