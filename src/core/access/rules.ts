import type {
  CredentialMode,
  DayType,
  RuleCode,
  RuleVerdict,
  ScheduleWindow,
} from '../../shared/access-rules';
import { addDays, localDateOf, parseDate, wallClockAt } from '../attendance/time-zone';

/**
 * The access rules as one pure function (docs/access.md): who may open which door when, and how
 * they must prove it. No database, no clock: the caller passes the person's groups and validity,
 * the schedules and holidays, the site's time zone, the door and the instant. Every verdict names
 * the rule that decided, in words for the access log and as a code for the kiosk.
 *
 * Order: the validity period first (a pass not yet valid or expired refuses whatever the groups
 * say); a person in no group has no restriction (as before groups existed); otherwise any of the
 * person's groups that opens this door now grants (a group without schedule at any time, a group
 * with one inside one of its windows). Schedules are read on the local wall clock, so DST changes
 * move nothing: 08:00-17:00 is 08:00-17:00 on the day the clocks change too.
 */

export interface RuleGroup {
  name: string;
  doors: 'all' | readonly string[];
  scheduleId: number | null;
  mode: CredentialMode;
}

export interface RuleSchedule {
  name: string;
  windows: readonly ScheduleWindow[];
}

export interface RuleFacts {
  /** Epoch ms; null: no bound. validUntil is exclusive (the first instant the pass no longer works). */
  validFrom: number | null;
  validUntil: number | null;
  groups: readonly RuleGroup[];
}

export interface RuleContext {
  schedules: ReadonlyMap<number, RuleSchedule>;
  /** Holidays by local date ('YYYY-MM-DD' -> name). */
  holidays: ReadonlyMap<string, string>;
  timeZone: string;
  /** The door asked about ('main' for a host's one relay). */
  door: string;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const weekdayOfUtcDay: DayType[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Minutes since local midnight of 'HH:MM' (24:00 is 1440). */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

function weekdayOf(date: string): DayType {
  const [y, m, d] = parseDate(date);
  return weekdayOfUtcDay[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

/** '3 May', or '3 May 2025' when the year differs from the reference instant's. */
function dayInWords(instant: number, reference: number, timeZone: string): string {
  const w = wallClockAt(instant, timeZone);
  const year = wallClockAt(reference, timeZone).year;
  return `${w.day} ${monthNames[w.month - 1]}${w.year === year ? '' : ` ${w.year}`}`;
}

/** The window of the schedule open at this local date and minute, if any (with its day's holiday). */
export function openWindow(
  schedule: RuleSchedule,
  date: string,
  minute: number,
  holidays: ReadonlyMap<string, string>,
): ScheduleWindow | undefined {
  const dayType = (d: string): DayType => (holidays.has(d) ? 'holiday' : weekdayOf(d));
  const today = dayType(date);
  const yesterday = dayType(addDays(date, -1));
  return schedule.windows.find((w) => {
    const start = minutesOf(w.start);
    const end = minutesOf(w.end);
    if (start < end) return w.days.includes(today) && minute >= start && minute < end;
    // Across midnight: the evening part today, the morning part from yesterday's window.
    return (w.days.includes(today) && minute >= start) || (w.days.includes(yesterday) && minute < end);
  });
}

function accepts(modes: readonly CredentialMode[]): RuleVerdict['accepts'] {
  return {
    face: modes.some((m) => m === 'face' || m === 'face_or_pin'),
    pin: modes.some((m) => m === 'face_or_pin' || m === 'pin_only'),
    faceAndPin: modes.length > 0,
  };
}

const none = { face: false, pin: false, faceAndPin: false };

function verdict(
  code: RuleCode,
  text: string,
  fields: Partial<Pick<RuleVerdict, 'group' | 'schedule' | 'holiday' | 'date' | 'accepts'>> = {},
): RuleVerdict {
  const allowed = code === 'no_groups' || code === 'group' || code === 'schedule';
  return {
    allowed,
    code,
    group: fields.group ?? null,
    schedule: fields.schedule ?? null,
    holiday: fields.holiday ?? null,
    date: fields.date ?? null,
    text,
    accepts: allowed ? (fields.accepts ?? accepts(['face_or_pin'])) : none,
  };
}

/** What was presented at the kiosk: the face, a PIN or badge alone, or the face and then the PIN. */
export type Presented = 'face' | 'pin' | 'face_and_pin';

/**
 * The rules for one person at one instant. Without `presented` the verdict says whether the door
 * opens for this person now and what the granting rules accept (`accepts`). With it, the verdict
 * also decides the credential: a granting rule that does not accept what was presented refuses
 * with `pin_required` (a face alone where the rule wants face and PIN) or `face_required` (a PIN
 * or badge alone where the rule wants the face), keeping `accepts` so the kiosk can say what else
 * is needed.
 */
export function evaluateRules(
  facts: RuleFacts,
  ctx: RuleContext,
  at: number,
  presented?: Presented,
): RuleVerdict {
  const v = evaluateWindows(facts, ctx, at, presented);
  if (presented === undefined || !v.allowed || credentialAccepted(v, presented)) return v;
  const where = v.schedule !== null ? `group ${v.group}, ${v.schedule} schedule` : `group ${v.group}`;
  return presented === 'face'
    ? { ...v, allowed: false, code: 'pin_required', text: `face and PIN required (${where})` }
    : {
        ...v,
        allowed: false,
        code: 'face_required',
        text: `face required, not a PIN or badge alone (${where})`,
      };
}

function modeAccepts(mode: CredentialMode, presented: Presented): boolean {
  const a = accepts([mode]);
  return presented === 'face' ? a.face : presented === 'pin' ? a.pin : a.faceAndPin;
}

function evaluateWindows(
  facts: RuleFacts,
  ctx: RuleContext,
  at: number,
  presented: Presented | undefined,
): RuleVerdict {
  const { timeZone } = ctx;
  if (facts.validFrom !== null && at < facts.validFrom) {
    const date = dayInWords(facts.validFrom, at, timeZone);
    return verdict('not_yet_valid', `pass valid from ${date}`, { date });
  }
  if (facts.validUntil !== null && at >= facts.validUntil) {
    // The last day it worked: a pass valid until the end of 3 May expired on 3 May.
    const date = dayInWords(facts.validUntil - 1, at, timeZone);
    return verdict('expired', `pass expired on ${date}`, { date });
  }
  if (facts.groups.length === 0) return verdict('no_groups', 'in no access group (no restriction)');

  const groups = [...facts.groups].sort((a, b) => a.name.localeCompare(b.name));
  const forDoor = groups.filter((g) => g.doors === 'all' || g.doors.includes(ctx.door));
  if (forDoor.length === 0) {
    return verdict('no_door', `no access group of this person opens the ${ctx.door} door`, {
      group: groups[0].name,
    });
  }

  const date = localDateOf(at, timeZone);
  const clock = wallClockAt(at, timeZone);
  const minute = clock.hour * 60 + clock.minute;
  const holiday = ctx.holidays.get(date) ?? null;
  const grants: { group: RuleGroup; schedule: string | null; mode: CredentialMode }[] = [];
  let refusal: RuleVerdict | null = null;
  for (const group of forDoor) {
    if (group.scheduleId === null) {
      grants.push({ group, schedule: null, mode: group.mode });
      continue;
    }
    const schedule = ctx.schedules.get(group.scheduleId);
    // A schedule that cannot be found opens nothing (fail closed).
    const name = schedule?.name ?? `#${group.scheduleId}`;
    const window = schedule ? openWindow(schedule, date, minute, ctx.holidays) : undefined;
    if (window) {
      grants.push({ group, schedule: name, mode: window.mode ?? group.mode });
    } else if (!refusal) {
      refusal =
        holiday !== null
          ? verdict('holiday', `closed on the holiday ${holiday} (${name} schedule)`, {
              group: group.name,
              schedule: name,
              holiday,
            })
          : verdict('outside_schedule', `outside the ${name} schedule`, {
              group: group.name,
              schedule: name,
            });
    }
  }
  if (grants.length === 0) {
    return refusal ?? verdict('no_door', 'no access group opens this door', { group: groups[0].name });
  }
  // The rule named is the first (by group name) that accepts what was presented, if any does.
  const first = (presented && grants.find((g) => modeAccepts(g.mode, presented))) || grants[0];
  const modes = grants.map((g) => g.mode);
  return first.schedule === null
    ? verdict('group', `group ${first.group.name}`, { group: first.group.name, accepts: accepts(modes) })
    : verdict('schedule', `group ${first.group.name}, ${first.schedule} schedule`, {
        group: first.group.name,
        schedule: first.schedule,
        accepts: accepts(modes),
      });
}

/** Whether the verdict lets this credential in (a granting rule may ask for more than a face). */
export function credentialAccepted(v: RuleVerdict, presented: Presented): boolean {
  if (!v.allowed) return false;
  return presented === 'face' ? v.accepts.face : presented === 'pin' ? v.accepts.pin : v.accepts.faceAndPin;
}
