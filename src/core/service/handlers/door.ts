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
    const result = await ctx.door.pulse('manual', ms);
    const event = ctx.attendance.manualOpen({
      actor: actorOf(session),
      seconds: ms / 1000,
      doorOpened: result.opened,
      at: ctx.now(),
    });
    ctx.bus.emit('attendance.recorded', event);
    return {
      ...result,
      message: result.opened
        ? `The door is open for ${ms / 1000} s.`
        : `The door did not open: ${result.reason ?? result.state}.`,
    };
  },
  'door.test': ({ relay, pulseMs }, _session, ctx) => ctx.door.test(relay, pulseMs),
  'door.ports': async (_args, _session, ctx) => ({ ports: await ctx.door.ports() }),
};
