import { createInterface } from 'node:readline';
import type { Command, CommandContext } from '../command';
import { stringOption, writeJson } from '../command';
import { exitCodes } from '../exit-codes';
import { evaluateRules } from '../../core/access/rules';
import { FaceGateError } from '../../core/errors';
import { AccessRulesStore } from '../../core/gallery/access-rules-store';
import { AccountStore } from '../../core/service/accounts';
import { AdminAuth } from '../../core/service/admin-auth';
import { credentialModes, mainDoor, type AccessGroup, type CredentialMode } from '../../shared/access-rules';
import { secretSchema } from '../../shared/contract';
import { roles, type Account, type Role } from '../../shared/roles';
import { formatWindow, parseWindow } from '../../shared/schedule-text';
import { defaultSettings } from '../../shared/settings';
import { siteTimeZone } from './access-options';
import { cliActor, databaseHelp, databaseOptions, withGallery } from './people';
import { withWrites } from './site-writes';

function groupLine(g: AccessGroup, scheduleName: (id: number | null) => string): string {
  const doors = g.doors === 'all' ? 'all doors' : `doors ${g.doors.join(', ') || '(none)'}`;
  return `${g.name}  ${scheduleName(g.scheduleId)}  ${g.mode}  ${doors}  ${g.members} member(s)`;
}

function modeOption(ctx: CommandContext): CredentialMode | undefined {
  const mode = stringOption(ctx, 'mode');
  if (mode !== undefined && !(credentialModes as readonly string[]).includes(mode)) {
    throw new FaceGateError('INVALID_INPUT', `--mode takes ${credentialModes.join(', ')}, got '${mode}'.`);
  }
  return mode as CredentialMode | undefined;
}

function doorsOption(ctx: CommandContext): 'all' | string[] | undefined {
  const doors = stringOption(ctx, 'doors');
  if (doors === undefined) return undefined;
  return doors.trim() === 'all'
    ? 'all'
    : doors
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
}

// --- facegate groups -----------------------------------------------------------------------

export const groupsCommand: Command = {
  name: 'groups',
  summary: 'Access groups: which doors their members open, when, and how they prove who they are',
  usage: 'list | add NAME [--schedule S] [--mode M] [--doors all|A,B] | edit NAME [--name N] [...] | rm NAME',
  options: {
    ...databaseOptions,
    name: { type: 'string' },
    schedule: { type: 'string' },
    mode: { type: 'string' },
    doors: { type: 'string' },
  },
  help: [
    '  list                  the groups with their schedule, mode, doors and member count',
    '  add NAME              a new group; --schedule NAME ("" or absent: at any time), --mode',
    `                        ${credentialModes.join(' | ')} (default face), --doors all | main,lobby`,
    '  edit NAME             change --name, --schedule, --mode, --doors',
    '  rm NAME               delete the group (its members leave it)',
    '  People join groups with: facegate people edit ID --access-groups Staff,Night',
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    const [action = 'list', name] = ctx.positionals;
    return withGallery(ctx, async (gallery) => {
      const store = new AccessRulesStore(gallery.db);
      const scheduleName = (id: number | null) => (id === null ? 'any time' : store.schedule(id).name);
      const scheduleOption = (): number | null | undefined => {
        const s = stringOption(ctx, 'schedule');
        return s === undefined ? undefined : s.trim() === '' ? null : store.schedule(s).id;
      };
      const needName = () => {
        if (!name) throw new FaceGateError('INVALID_INPUT', `groups ${action} needs a group name.`);
        return name;
      };
      switch (action) {
        case 'list': {
          const groups = store.groups();
          if (ctx.json) writeJson(ctx, { groups });
          else
            ctx.stdout.write(
              groups.length
                ? `${groups.map((g) => groupLine(g, scheduleName)).join('\n')}\n`
                : 'No access groups: everyone may come in at any time.\n',
            );
          return exitCodes.ok;
        }
        case 'add':
        case 'edit': {
          const current = action === 'edit' ? store.group(needName()) : undefined;
          const schedule = scheduleOption();
          const input = {
            name: stringOption(ctx, 'name') ?? current?.name ?? needName(),
            scheduleId: schedule !== undefined ? schedule : (current?.scheduleId ?? null),
            mode: modeOption(ctx) ?? current?.mode ?? 'face',
            doors: doorsOption(ctx) ?? current?.doors ?? 'all',
          };
          const group = await withWrites(gallery, (writes) => writes.saveGroup(input, current?.id));
          gallery.audit.record({
            actor: cliActor,
            action: 'access.group',
            target: `group:${group.id}`,
            details: { ...(current ? {} : { created: true }), ...input },
          });
          if (ctx.json) writeJson(ctx, { group });
          else ctx.stdout.write(`${groupLine(group, scheduleName)}\n`);
          return exitCodes.ok;
        }
        case 'rm': {
          const group = store.group(needName());
          await withWrites(gallery, (writes) => writes.deleteGroup(group.id));
          gallery.audit.record({
            actor: cliActor,
            action: 'access.group',
            target: `group:${group.id}`,
            details: { deleted: true, name: group.name },
          });
          if (ctx.json) writeJson(ctx, { removed: true });
          else ctx.stdout.write(`Deleted the group ${group.name}.\n`);
          return exitCodes.ok;
        }
        default:
          throw new FaceGateError('INVALID_INPUT', `Unknown action '${action}': use list, add, edit or rm.`);
      }
    });
  },
};

// --- facegate schedules --------------------------------------------------------------------

export const schedulesCommand: Command = {
  name: 'schedules',
  summary: 'Weekly schedules and holidays; check what the rules say for a person at a time',
  usage:
    'list | add NAME --window W... | edit NAME [--name N] [--window W...] | rm NAME | holiday add DATE NAME | holiday rm DATE | check PERSON_ID [--at TIME] [--door D]',
  options: {
    ...databaseOptions,
    name: { type: 'string' },
    window: { type: 'string', multiple: true },
    at: { type: 'string' },
    door: { type: 'string' },
  },
  help: [
    '  list                  the schedules with their windows, and the holidays',
    '  add NAME --window W   a schedule; each --window is days and times, e.g. "mon-fri 08:00-12:00",',
    '                        "sat,sun,holiday 10:00-14:00", "daily 22:00-06:00 face_and_pin" (past midnight)',
    '  edit NAME             new --name and/or windows (the --window options replace them all)',
    '  rm NAME               delete a schedule no group uses',
    '  holiday add DATE NAME a holiday (YYYY-MM-DD): schedules use their "holiday" windows that day',
    '  holiday rm DATE       remove it',
    '  check PERSON_ID       what the rules say for the person now (--at 2026-05-04T09:00:00+02:00, --door main)',
    "  Times are the site's local time (the app's attendance time zone, else the system's).",
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    const [action = 'list', arg1, ...rest] = ctx.positionals;
    return withGallery(ctx, async (gallery) => {
      const store = new AccessRulesStore(gallery.db);
      const windows = () => {
        const raw = ctx.values.window;
        const lines = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
        return lines.map((line) => {
          try {
            return parseWindow(line);
          } catch (error) {
            throw new FaceGateError('INVALID_INPUT', (error as Error).message);
          }
        });
      };
      switch (action) {
        case 'list': {
          const schedules = store.schedules();
          const holidays = store.holidays();
          if (ctx.json) writeJson(ctx, { schedules, holidays });
          else {
            for (const s of schedules)
              ctx.stdout.write(`${s.name}: ${s.windows.map(formatWindow).join('; ') || '(no windows)'}\n`);
            if (schedules.length === 0) ctx.stdout.write('No schedules.\n');
            for (const h of holidays) ctx.stdout.write(`holiday ${h.date} ${h.name}\n`);
          }
          return exitCodes.ok;
        }
        case 'add':
        case 'edit': {
          if (!arg1) throw new FaceGateError('INVALID_INPUT', `schedules ${action} needs a schedule name.`);
          const current = action === 'edit' ? store.schedule(arg1) : undefined;
          const given = windows();
          const input = {
            name: stringOption(ctx, 'name') ?? current?.name ?? arg1,
            windows: given.length || !current ? given : current.windows,
          };
          const schedule = await withWrites(gallery, (writes) => writes.saveSchedule(input, current?.id));
          gallery.audit.record({
            actor: cliActor,
            action: 'access.schedule',
            target: `schedule:${schedule.id}`,
            details: { ...(current ? {} : { created: true }), ...input },
          });
          if (ctx.json) writeJson(ctx, { schedule });
          else ctx.stdout.write(`${schedule.name}: ${schedule.windows.map(formatWindow).join('; ')}\n`);
          return exitCodes.ok;
        }
        case 'rm': {
          if (!arg1) throw new FaceGateError('INVALID_INPUT', 'schedules rm needs a schedule name.');
          const schedule = store.schedule(arg1);
          await withWrites(gallery, (writes) => writes.deleteSchedule(schedule.id));
          gallery.audit.record({
            actor: cliActor,
            action: 'access.schedule',
            target: `schedule:${schedule.id}`,
            details: { deleted: true, name: schedule.name },
          });
          if (ctx.json) writeJson(ctx, { removed: true });
          else ctx.stdout.write(`Deleted the schedule ${schedule.name}.\n`);
          return exitCodes.ok;
        }
        case 'holiday': {
          const [date, ...nameParts] = rest;
          if (arg1 === 'add') {
            const input = { date, name: nameParts.join(' ') };
            const holiday = await withWrites(gallery, (writes) => writes.saveHoliday(input));
            gallery.audit.record({
              actor: cliActor,
              action: 'access.holiday',
              target: `holiday:${holiday.date}`,
              details: { name: holiday.name },
            });
            if (ctx.json) writeJson(ctx, { holiday });
            else ctx.stdout.write(`holiday ${holiday.date} ${holiday.name}\n`);
            return exitCodes.ok;
          }
          if (arg1 === 'rm') {
            const holiday = store.holidays().find((h) => h.date === date);
            if (!holiday) throw new FaceGateError('NOT_FOUND', `There is no holiday on '${date}'.`);
            await withWrites(gallery, (writes) => writes.deleteHoliday(holiday.id));
            gallery.audit.record({
              actor: cliActor,
              action: 'access.holiday',
              target: `holiday:${holiday.date}`,
              details: { deleted: true },
            });
            if (ctx.json) writeJson(ctx, { removed: true });
            else ctx.stdout.write(`Removed the holiday on ${holiday.date}.\n`);
            return exitCodes.ok;
          }
          throw new FaceGateError('INVALID_INPUT', 'use: schedules holiday add DATE NAME | holiday rm DATE');
        }
        case 'check': {
          const personId = Number(arg1);
          if (!Number.isInteger(personId) || personId <= 0)
            throw new FaceGateError('INVALID_INPUT', `'${arg1 ?? ''}' is not a person id.`);
          const atText = stringOption(ctx, 'at');
          const at = atText === undefined ? Date.now() : Date.parse(atText);
          if (Number.isNaN(at)) throw new FaceGateError('INVALID_INPUT', `--at: '${atText}' is not a time.`);
          const facts = store.factsFor(personId);
          if (!facts) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
          const verdict = evaluateRules(
            facts,
            store.context(siteTimeZone(gallery), stringOption(ctx, 'door') ?? mainDoor),
            at,
          );
          if (ctx.json) writeJson(ctx, { personId, at: new Date(at).toISOString(), verdict });
          else ctx.stdout.write(`${verdict.allowed ? 'allowed' : 'refused'}: ${verdict.text}\n`);
          return exitCodes.ok;
        }
        default:
          throw new FaceGateError(
            'INVALID_INPUT',
            `Unknown action '${action}': use list, add, edit, rm, holiday or check.`,
          );
      }
    });
  },
};

// --- facegate accounts ---------------------------------------------------------------------

async function readSecret(ctx: CommandContext, input: NodeJS.ReadableStream & { isTTY?: boolean }) {
  const lines = createInterface({ input, terminal: false });
  try {
    if (input.isTTY) ctx.stderr.write('PIN (6 to 12 digits) or passphrase (12 characters or more): ');
    const { value, done } = await lines[Symbol.asyncIterator]().next();
    const secret = done ? '' : String(value).trim();
    const parsed = secretSchema.safeParse(secret);
    if (!parsed.success) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'Give the PIN (6 to 12 digits) or passphrase (at least 12 characters) on standard input.',
      );
    }
    return parsed.data;
  } finally {
    lines.close();
  }
}

function accountLine(a: Account): string {
  return `${a.name}  ${a.role}${a.disabled ? '  (disabled)' : ''}`;
}

export function accountsCommandWith(input: NodeJS.ReadableStream & { isTTY?: boolean }): Command {
  return {
    name: 'accounts',
    summary: 'Admin accounts and their roles (administrator, viewer, enroller)',
    usage: 'list | add NAME --role R | role NAME R | disable NAME | enable NAME | rm NAME',
    options: { ...databaseOptions, role: { type: 'string' } },
    help: [
      '  list                  the accounts and their roles',
      `  add NAME --role R     a new account (${roles.join(', ')}); its PIN or passphrase is read from`,
      '                        standard input, never from the command line',
      '  role NAME R           change the role (the account is logged out)',
      '  disable NAME / enable NAME, rm NAME   (never the last administrator)',
      '  A forgotten secret: facegate admin reset-pin --account NAME',
      '',
      databaseHelp,
    ].join('\n'),
    async run(ctx) {
      const [action = 'list', name, roleArg] = ctx.positionals;
      const parseRole = (value: string | undefined): Role => {
        if (!value || !(roles as readonly string[]).includes(value)) {
          throw new FaceGateError(
            'INVALID_INPUT',
            `A role is one of ${roles.join(', ')}, got '${value ?? ''}'.`,
          );
        }
        return value as Role;
      };
      const secret = action === 'add' ? await readSecret(ctx, input) : undefined;
      return withGallery(ctx, async (gallery) => {
        const accounts = new AccountStore(gallery.db);
        const auth = new AdminAuth(gallery.settings, accounts, () => defaultSettings.admin);
        const find = () => {
          const account = name ? accounts.find(name) : undefined;
          if (!account) throw new FaceGateError('NOT_FOUND', `There is no admin account '${name ?? ''}'.`);
          return account;
        };
        const audit = (
          action: 'account.create' | 'account.update' | 'account.delete',
          target: string,
          details = {},
        ) => gallery.audit.record({ actor: cliActor, action, target: `account:${target}`, details });
        let result: Account | undefined;
        switch (action) {
          case 'list': {
            const list = auth.listAccounts();
            if (ctx.json) writeJson(ctx, { accounts: list });
            else
              ctx.stdout.write(
                list.length ? `${list.map(accountLine).join('\n')}\n` : 'No admin accounts yet.\n',
              );
            return exitCodes.ok;
          }
          case 'add':
            if (!name) throw new FaceGateError('INVALID_INPUT', 'accounts add needs a name.');
            result = await auth.createAccount(name, parseRole(stringOption(ctx, 'role')), secret as string);
            audit('account.create', result.name, { role: result.role });
            break;
          case 'role':
            result = await auth.updateAccount(find().id, { role: parseRole(roleArg) });
            audit('account.update', result.name, { role: result.role });
            break;
          case 'disable':
          case 'enable':
            result = await auth.updateAccount(find().id, { disabled: action === 'disable' });
            audit('account.update', result.name, { disabled: result.disabled });
            break;
          case 'rm': {
            const account = find();
            await auth.deleteAccount(account.id);
            audit('account.delete', account.name);
            if (ctx.json) writeJson(ctx, { removed: true });
            else ctx.stdout.write(`Deleted the account ${account.name}.\n`);
            return exitCodes.ok;
          }
          default:
            throw new FaceGateError(
              'INVALID_INPUT',
              `Unknown action '${action}': use list, add, role, disable, enable or rm.`,
            );
        }
        if (ctx.json) writeJson(ctx, { account: result });
        else ctx.stdout.write(`${accountLine(result)}\n`);
        return exitCodes.ok;
      });
    },
  };
}

export const accountsCommand = accountsCommandWith(process.stdin);
