import { mainDoor } from '../../../shared/access-rules';
import { FaceGateError } from '../../errors';
import { actorOf, type Handlers, type ServiceContext } from '../context';

type AccessCalls =
  | 'groups.list'
  | 'groups.save'
  | 'groups.delete'
  | 'schedules.list'
  | 'schedules.save'
  | 'schedules.delete'
  | 'schedules.saveHoliday'
  | 'schedules.deleteHoliday'
  | 'access.person'
  | 'access.setPerson'
  | 'accounts.list'
  | 'accounts.create'
  | 'accounts.update'
  | 'accounts.delete';

const msOf = (iso: string | null | undefined) =>
  iso === undefined ? undefined : iso === null ? null : Date.parse(iso);

/** Rules changed: evidence gathered under the old ones must not decide. */
function changed(ctx: ServiceContext): void {
  ctx.frames.reset();
}

/** Access groups, schedules, holidays, a person's access (docs/access.md) and admin accounts; every change audited. */
export const accessHandlers: Pick<Handlers, AccessCalls> = {
  'groups.list': (_args, _session, ctx) => ({ groups: ctx.rules.store.groups() }),
  // Rule edits go through ctx.writes: the desk's file, or at a site's kiosk the site, whence they
  // reach this copy and every other kiosk; refused, with nothing written, when it cannot be reached.
  'groups.save': async ({ id, ...input }, session, ctx) => {
    const group = await ctx.writes.saveGroup(input, id);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'access.group',
      target: `group:${group.id}`,
      details: { ...(id === undefined ? { created: true } : {}), ...input },
      at: ctx.now(),
    });
    changed(ctx);
    return group;
  },
  'groups.delete': async ({ id }, session, ctx) => {
    const removed = await ctx.writes.deleteGroup(id);
    if (removed) {
      ctx.gallery.audit.record({
        actor: actorOf(session),
        action: 'access.group',
        target: `group:${id}`,
        details: { deleted: true },
        at: ctx.now(),
      });
      changed(ctx);
    }
    return { removed };
  },
  'schedules.list': (_args, _session, ctx) => ({
    schedules: ctx.rules.store.schedules(),
    holidays: ctx.rules.store.holidays(),
  }),
  'schedules.save': async ({ id, ...input }, session, ctx) => {
    const schedule = await ctx.writes.saveSchedule(input, id);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'access.schedule',
      target: `schedule:${schedule.id}`,
      details: { ...(id === undefined ? { created: true } : {}), ...input },
      at: ctx.now(),
    });
    changed(ctx);
    return schedule;
  },
  'schedules.delete': async ({ id }, session, ctx) => {
    const removed = await ctx.writes.deleteSchedule(id);
    if (removed) {
      ctx.gallery.audit.record({
        actor: actorOf(session),
        action: 'access.schedule',
        target: `schedule:${id}`,
        details: { deleted: true },
        at: ctx.now(),
      });
    }
    return { removed };
  },
  'schedules.saveHoliday': async (input, session, ctx) => {
    const holiday = await ctx.writes.saveHoliday(input);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'access.holiday',
      target: `holiday:${holiday.date}`,
      details: { name: holiday.name },
      at: ctx.now(),
    });
    changed(ctx);
    return holiday;
  },
  'schedules.deleteHoliday': async ({ id }, session, ctx) => {
    const removed = await ctx.writes.deleteHoliday(id);
    if (removed) {
      ctx.gallery.audit.record({
        actor: actorOf(session),
        action: 'access.holiday',
        target: `holiday:${id}`,
        details: { deleted: true },
        at: ctx.now(),
      });
      changed(ctx);
    }
    return { removed };
  },
  'access.person': ({ personId, at, door }, _session, ctx) => {
    const access = ctx.rules.store.personAccess(personId);
    const instant = at ? Date.parse(at) : ctx.now();
    const now = ctx.rules.verdict(personId, instant, door ?? mainDoor);
    if (!now) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
    return { ...access, now };
  },
  'access.setPerson': async ({ personId, groupIds, validFrom, validUntil }, session, ctx) => {
    const before = ctx.rules.store.personAccess(personId);
    const change = {
      ...(groupIds ? { groupIds } : {}),
      ...(validFrom !== undefined ? { validFrom: msOf(validFrom) } : {}),
      ...(validUntil !== undefined ? { validUntil: msOf(validUntil) } : {}),
    };
    const after = await ctx.writes.setPersonAccess(personId, change);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'access.person',
      personId,
      details: { before, after },
      at: ctx.now(),
    });
    changed(ctx);
    return after;
  },
  'accounts.list': (_args, _session, ctx) => ({ accounts: ctx.auth.listAccounts() }),
  'accounts.create': async ({ name, role, secret }, session, ctx) => {
    const account = await ctx.auth.createAccount(name, role, secret);
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'account.create',
      target: `account:${account.name}`,
      details: { role },
      at: ctx.now(),
    });
    return account;
  },
  'accounts.update': async ({ id, role, disabled, secret }, session, ctx) => {
    const account = await ctx.auth.updateAccount(id, {
      ...(role ? { role } : {}),
      ...(disabled !== undefined ? { disabled } : {}),
      ...(secret ? { secret } : {}),
    });
    ctx.gallery.audit.record({
      actor: actorOf(session),
      action: 'account.update',
      target: `account:${account.name}`,
      details: {
        ...(role ? { role } : {}),
        ...(disabled !== undefined ? { disabled } : {}),
        ...(secret ? { newSecret: true } : {}),
      },
      at: ctx.now(),
    });
    return account;
  },
  'accounts.delete': async ({ id }, session, ctx) => {
    const name = ctx.auth.listAccounts().find((a) => a.id === id)?.name ?? `#${id}`;
    const removed = await ctx.auth.deleteAccount(id);
    if (removed) {
      ctx.gallery.audit.record({
        actor: actorOf(session),
        action: 'account.delete',
        target: `account:${name}`,
        at: ctx.now(),
      });
    }
    return { removed };
  },
};
