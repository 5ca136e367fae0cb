import { z } from 'zod';

/**
 * The attendance log, its reports, the audit log and the options that drive them, as they cross
 * process boundaries. Field names match the contract's shapes (src/shared/contract.ts) and the
 * `attendance` settings section. Instants are ISO 8601 strings in UTC; calendar days are
 * 'YYYY-MM-DD' in the configured time zone.
 */

/** injection: frames that cannot come from a live camera (identical repeats) were refused. */
export const eventKinds = [
  'check_in',
  'check_out',
  'denied',
  'unknown',
  'spoof',
  'manual_open',
  'injection',
] as const;
export type EventKind = (typeof eventKinds)[number];

/**
 * - check_in_only: every recognition is a check-in (debounced).
 * - toggle: in, out, in, ... per person and working day.
 * - explicit: the kiosk says whether the person is coming in or going out.
 */
export const attendanceModes = ['check_in_only', 'toggle', 'explicit'] as const;
export type AttendanceMode = (typeof attendanceModes)[number];

/** Explicit mode: what a recognised person who pressed neither In nor Out is logged as ('none': nothing). */
export const noChoiceKinds = ['check_in', 'check_out', 'none'] as const;
export type NoChoiceKind = (typeof noChoiceKinds)[number];

/** What happens to a person's events when the person is deleted. */
export const erasurePolicies = ['delete', 'anonymise'] as const;
export type ErasurePolicy = (typeof erasurePolicies)[number];

const id = z.int().positive();
const isoTime = z.iso.datetime({ offset: true });
const localDate = z.iso.date();
export const clockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)');

const personRef = z.object({ id, name: z.string() });

export const attendanceEventSchema = z.object({
  id,
  at: isoTime,
  /** Null for unknown faces, manual opens and anonymised events. */
  person: personRef.nullable(),
  kind: z.enum(eventKinds),
  similarity: z.number().nullable(),
  liveness: z.number().nullable(),
  doorOpened: z.boolean(),
  device: z.string(),
  note: z.string().nullable(),
});
export type AttendanceEvent = z.infer<typeof attendanceEventSchema>;

export const newEventSchema = z.object({
  at: z.union([isoTime, z.number(), z.date()]).optional(),
  personId: id.nullable().default(null),
  kind: z.enum(eventKinds),
  similarity: z.number().nullable().default(null),
  liveness: z.number().nullable().default(null),
  doorOpened: z.boolean().default(false),
  device: z.string().max(100).default(''),
  note: z.string().max(1000).nullable().default(null),
});
export type NewEvent = z.input<typeof newEventSchema>;

/** A calendar day (its start, or its end for `to`, in the time zone) or an exact instant. */
const dayOrTime = z.union([localDate, isoTime]);

export const eventQuerySchema = z.object({
  /** Inclusive: an instant, or a local date meaning that day's start. */
  from: dayOrTime.optional(),
  /** Exclusive for an instant; a local date includes that whole day. */
  to: dayOrTime.optional(),
  personId: id.optional(),
  kinds: z.array(z.enum(eventKinds)).optional(),
  /** Newest first (the admin list) or oldest first (exports, reports). */
  order: z.enum(['newest', 'oldest']).default('newest'),
  limit: z.int().positive().max(10_000_000).default(10_000),
  offset: z.int().nonnegative().default(0),
});
export type EventQuery = z.input<typeof eventQuerySchema>;

/** The `attendance` settings section's fields that the attendance core reads. */
export const attendanceOptionsSchema = z.object({
  mode: z.enum(attendanceModes).default('check_in_only'),
  /** Explicit mode: the kind logged when nobody pressed In or Out ('none' logs nothing). */
  noChoice: z.enum(noChoiceKinds).default('check_in'),
  /** The same person again within this many minutes makes no new event. */
  debounceMinutes: z
    .number()
    .min(0)
    .max(24 * 60)
    .default(5),
  /** Unknown faces and spoofs at one device within this many seconds make one event. */
  anonymousDebounceSeconds: z.number().min(0).max(3600).default(30),
  /** Events older than this many days are purged; 0 keeps them forever. */
  retentionDays: z.int().min(0).max(36500).default(0),
  erasure: z.enum(erasurePolicies).default('delete'),
  /** IANA time zone for local days and shift starts; null uses the system's. */
  timeZone: z.string().min(1).nullable().default(null),
  /**
   * Shift start (local HH:MM) per group name; "" is people without a group. A start in the
   * evening is a night shift: its working day runs on past midnight.
   */
  shiftStarts: z.record(z.string(), clockTimeSchema).default({}),
  /**
   * Shift end (local HH:MM) per group, for "left early"; an end at or before the start is the next
   * morning (a night shift). A group without a start has no end either.
   */
  shiftEnds: z.record(z.string(), clockTimeSchema).default({}),
  deviceName: z.string().min(1).max(100).default('front-desk'),
});
export type AttendanceOptions = z.infer<typeof attendanceOptionsSchema>;
export type AttendanceOptionsInput = z.input<typeof attendanceOptionsSchema>;

export const reportQuerySchema = z.object({
  from: localDate,
  /** Inclusive. */
  to: localDate,
  personId: id.optional(),
  group: z.string().optional(),
});
export type ReportQuery = z.input<typeof reportQuerySchema>;

/** One person on one working day. */
export const reportRowSchema = z.object({
  /** The working day (a night shift's events after midnight belong to the day it started). */
  date: localDate,
  person: personRef,
  employeeCode: z.string().nullable(),
  group: z.string().nullable(),
  firstIn: isoTime.nullable(),
  lastOut: isoTime.nullable(),
  /** Sum of in-to-out intervals; with no check-out, first to last check-in. Real elapsed minutes. */
  presentMinutes: z.number().nonnegative(),
  shiftStart: isoTime.nullable(),
  late: z.boolean(),
  /** Minutes after the shift start (0 when on time or without a shift). */
  lateMinutes: z.number().nonnegative(),
  shiftEnd: isoTime.nullable(),
  /** The last check-out was at least a full minute before the shift end. */
  leftEarly: z.boolean(),
  /** Minutes before the shift end (0 when not early, without an end, or without a check-out). */
  earlyMinutes: z.number().nonnegative(),
  events: z.int().nonnegative(),
});
export type ReportRow = z.infer<typeof reportRowSchema>;

export const reportSummarySchema = z.object({
  person: personRef,
  employeeCode: z.string().nullable(),
  group: z.string().nullable(),
  /** Working days with at least one check-in. */
  days: z.int().nonnegative(),
  presentMinutes: z.number().nonnegative(),
  lateDays: z.int().nonnegative(),
  lateMinutes: z.number().nonnegative(),
  earlyDays: z.int().nonnegative(),
  earlyMinutes: z.number().nonnegative(),
});
export type ReportSummary = z.infer<typeof reportSummarySchema>;

export const attendanceReportSchema = z.object({
  from: localDate,
  to: localDate,
  timeZone: z.string(),
  rows: z.array(reportRowSchema),
  summary: z.array(reportSummarySchema),
});
export type AttendanceReport = z.infer<typeof attendanceReportSchema>;

export const auditActions = [
  'person.create',
  'person.update',
  'person.delete',
  'template.add',
  'template.delete',
  'templates.reembed',
  'settings.set',
  'door.manual_open',
  'events.purge',
  'gallery.import',
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'apikey.create',
  'apikey.revoke',
  'kiosk.pair',
  'kiosk.revoke',
  'admin.pin_reset',
  // Access rules and admin accounts (docs/access.md)
  'access.group',
  'access.schedule',
  'access.holiday',
  'access.person',
  'account.create',
  'account.update',
  'account.delete',
  // Look-alike people confirmed as different (docs/gallery.md)
  'people.different',
  // Kiosk credentials and anti-passback (docs/access.md)
  'person.credentials',
  'access.passback_reset',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const auditEntrySchema = z.object({
  id,
  at: isoTime,
  action: z.enum(auditActions),
  /** What the change was about, e.g. 'person:12', 'setting:attendance'. */
  target: z.string().nullable(),
  /** Who did it: 'admin', 'cli', a device name. */
  actor: z.string(),
  /** What changed; replaced by {"redacted": true} once the person concerned is erased. */
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** The admin start page's picture of today (attendance.today). */
export const todaySummarySchema = z.object({
  /** Today in the report time zone. */
  date: localDate,
  /**
   * Who is in now: people whose latest event today is a check-in. In check-in-only mode nobody
   * checks out, so this is everyone who checked in today, and `knowsWhoLeft` is false.
   */
  inNow: z.array(z.object({ person: personRef, since: isoTime })),
  knowsWhoLeft: z.boolean(),
  /** First arrivals per local hour of today (index 0 = 00:00–00:59). */
  arrivalsByHour: z.array(z.int().nonnegative()).length(24),
  arrivals: z.int().nonnegative(),
  /** Spoof attempts and unknown faces today. */
  spoofs: z.int().nonnegative(),
  unknown: z.int().nonnegative(),
});
export type TodaySummary = z.infer<typeof todaySummarySchema>;
