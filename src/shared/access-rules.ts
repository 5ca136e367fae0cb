import { z } from 'zod';

/**
 * Access rules as they cross process boundaries (contract, CLI --json): access groups with door
 * permissions, weekly schedules, holidays, a person's groups and validity period, and the verdict
 * of the rules for one person at one instant (docs/access.md). Times of day are wall-clock 'HH:MM'
 * in the site's time zone (settings.attendance.timeZone); instants are ISO 8601 UTC strings.
 */

const id = z.int().positive();
const isoTime = z.iso.datetime({ offset: true });

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A window applies on these days; 'holiday' is any date in the holiday list (instead of its weekday). */
export const dayTypes = [...weekdays, 'holiday'] as const;
export type DayType = (typeof dayTypes)[number];

/**
 * How a person proves who they are at the kiosk under a rule: the face alone; the face or a
 * PIN/badge; the face and a PIN (two factors); a PIN/badge alone (no face needed).
 */
export const credentialModes = ['face', 'face_or_pin', 'face_and_pin', 'pin_only'] as const;
export type CredentialMode = (typeof credentialModes)[number];

/** 'HH:MM' from 00:00 to 24:00 (24:00 only as an end: the end of the day). */
export const timeOfDaySchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time of day is HH:MM (24 h, 00:00 to 24:00)');

/**
 * One window of a weekly schedule. start < end: that day from start to end; start > end: it runs
 * across midnight into the next day (22:00-06:00 on fri is Friday 22:00 to Saturday 06:00, and
 * follows Friday's day type). 00:00-24:00 is the whole day.
 */
export const scheduleWindowSchema = z
  .object({
    days: z.array(z.enum(dayTypes)).min(1, 'a window needs at least one day'),
    start: timeOfDaySchema,
    end: timeOfDaySchema,
    /** How people prove who they are in this window (default: the group's mode). */
    mode: z.enum(credentialModes).optional(),
  })
  .refine((w) => w.start !== w.end, { message: 'a window must not start and end at the same time' })
  .refine((w) => w.start !== '24:00', { message: 'a window cannot start at 24:00', path: ['start'] });
export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

const ruleName = z.string().trim().min(1, 'a name is required').max(100);

export const scheduleSchema = z.object({
  id,
  name: z.string(),
  windows: z.array(scheduleWindowSchema),
});
export type Schedule = z.infer<typeof scheduleSchema>;
export const scheduleInputSchema = z.object({
  name: ruleName,
  windows: z.array(scheduleWindowSchema).max(100),
});

/** Door names a group may open ('all' for every door). The single relay of a host is 'main'. */
export const doorNameSchema = z.string().trim().min(1).max(50);
export const mainDoor = 'main';

export const accessGroupSchema = z.object({
  id,
  name: z.string(),
  /** 'all', or the doors this group opens ([] : none, e.g. attendance only). */
  doors: z.union([z.literal('all'), z.array(z.string())]),
  /** When the group may open them; null: at any time. */
  scheduleId: id.nullable(),
  /** How the group's members prove who they are (a schedule window may override it). */
  mode: z.enum(credentialModes),
  /** Members in the group. */
  members: z.int().nonnegative(),
});
export type AccessGroup = z.infer<typeof accessGroupSchema>;
export const accessGroupInputSchema = z.object({
  name: ruleName,
  doors: z.union([z.literal('all'), z.array(doorNameSchema).max(50)]).default('all'),
  scheduleId: id.nullable().default(null),
  mode: z.enum(credentialModes).default('face'),
});

export const holidaySchema = z.object({ id, date: z.iso.date(), name: z.string() });
export type Holiday = z.infer<typeof holidaySchema>;
export const holidayInputSchema = z.object({ date: z.iso.date(), name: ruleName });

/** A person's access: the groups they are in and the period their pass is valid. */
export const personAccessSchema = z.object({
  personId: id,
  groupIds: z.array(id),
  /** The pass works from this instant on (null: since always). */
  validFrom: isoTime.nullable(),
  /** The pass stops working at this instant (null: never). */
  validUntil: isoTime.nullable(),
});
export type PersonAccess = z.infer<typeof personAccessSchema>;

/**
 * Which rule decided, as a code the UI translates (with the names below) and the log keeps in
 * words: no_groups (the person is in no group: no restriction), group (a group without schedule),
 * schedule (a window of a group's schedule), not_yet_valid, expired, no_door (no group of the
 * person opens this door), outside_schedule, holiday (the schedule has no window on this holiday),
 * pin_required (the rules open the door now, but not for the face alone: face and PIN),
 * face_required (the rules open the door now, but not for a PIN or badge alone: the face too),
 * passback (anti-passback: the person is already inside and must leave through an exit first).
 */
export const ruleCodes = [
  'no_groups',
  'group',
  'schedule',
  'not_yet_valid',
  'expired',
  'no_door',
  'outside_schedule',
  'holiday',
  'pin_required',
  'face_required',
  'passback',
] as const;
export type RuleCode = (typeof ruleCodes)[number];

export const ruleVerdictSchema = z.object({
  allowed: z.boolean(),
  code: z.enum(ruleCodes),
  /** The group that granted (or the first that refused), its schedule, the holiday. */
  group: z.string().nullable(),
  schedule: z.string().nullable(),
  holiday: z.string().nullable(),
  /** not_yet_valid / expired: the local day, e.g. '3 May' or '3 May 2025'. */
  date: z.string().nullable(),
  /** The rule in words, for the access log ("outside the Office hours schedule"). */
  text: z.string(),
  /** What the granting rules accept (all false when not allowed). */
  accepts: z.object({ face: z.boolean(), pin: z.boolean(), faceAndPin: z.boolean() }),
});
export type RuleVerdict = z.infer<typeof ruleVerdictSchema>;
