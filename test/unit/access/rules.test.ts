import { describe, expect, it } from 'vitest';
import {
  credentialAccepted,
  evaluateRules,
  type Presented,
  type RuleGroup,
  type RuleSchedule,
} from '../../../src/core/access/rules';
import { instantOfLocal } from '../../../src/core/attendance/time-zone';
import type { RuleCode } from '../../../src/shared/access-rules';

const weekdaysOnly = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const schedules = new Map<number, RuleSchedule>([
  [
    1,
    {
      name: 'Office hours',
      windows: [
        { days: [...weekdaysOnly], start: '08:00', end: '12:00' },
        { days: [...weekdaysOnly], start: '13:00', end: '17:00' },
      ],
    },
  ],
  [
    2,
    {
      name: 'Night shift',
      windows: [{ days: [...weekdaysOnly], start: '22:00', end: '06:00', mode: 'face_and_pin' }],
    },
  ],
  [
    3,
    {
      name: 'Weekend',
      windows: [
        { days: ['sat', 'sun'], start: '00:00', end: '24:00' },
        { days: ['holiday'], start: '10:00', end: '14:00' },
      ],
    },
  ],
  [4, { name: 'Early', windows: [{ days: [...everyDay], start: '01:00', end: '03:00' }] }],
  [5, { name: 'Nightly', windows: [{ days: [...everyDay], start: '22:00', end: '06:00' }] }],
]);
const holidays = new Map([
  ['2026-05-01', 'Labour Day'],
  ['2026-12-25', 'Christmas'],
]);
const group = (name: string, scheduleId: number | null, extra: Partial<RuleGroup> = {}): RuleGroup => ({
  name,
  doors: 'all',
  scheduleId,
  mode: 'face',
  ...extra,
});
const g = {
  staff: group('Staff', 1),
  night: group('Night', 2, { doors: ['main'] }),
  weekend: group('Weekenders', 3),
  visitors: group('Visitors', null, { doors: ['lobby'] }),
  guards: group('Guards', null, { mode: 'face_or_pin' }),
  cleaners: group('Cleaners', 4),
  nightly: group('Nightly', 5),
  broken: group('Broken', 99),
  pinOnly: group('Contractors', null, { mode: 'pin_only' }),
};

const berlin = 'Europe/Berlin';
const local = (date: string, time: string, tz = berlin) => instantOfLocal(date, time, tz);
const utc = (iso: string) => Date.parse(iso);

interface Case {
  name: string;
  groups: RuleGroup[];
  at: number;
  allowed: boolean;
  code: RuleCode;
  text?: string;
  validFrom?: number;
  validUntil?: number;
  door?: string;
  timeZone?: string;
  accepts?: { face: boolean; pin: boolean; faceAndPin: boolean };
}

// 2026-05-04 is a Monday; 2026-05-01 (Labour Day) a Friday. Berlin springs forward on 2026-03-29
// at 01:00 UTC (02:00 CET -> 03:00 CEST) and falls back on 2026-10-25 at 01:00 UTC (03:00 -> 02:00).
const cases: Case[] = [
  {
    name: 'inside the morning window',
    groups: [g.staff],
    at: local('2026-05-04', '09:00'),
    allowed: true,
    code: 'schedule',
    text: 'group Staff, Office hours schedule',
  },
  {
    name: 'lunch gap between two windows of a day',
    groups: [g.staff],
    at: local('2026-05-04', '12:30'),
    allowed: false,
    code: 'outside_schedule',
    text: 'outside the Office hours schedule',
  },
  {
    name: 'the end of a window is exclusive',
    groups: [g.staff],
    at: local('2026-05-04', '17:00'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'a minute before the start',
    groups: [g.staff],
    at: local('2026-05-04', '07:59'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'the start of the afternoon window',
    groups: [g.staff],
    at: local('2026-05-04', '13:00'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'Saturday has no office window',
    groups: [g.staff],
    at: local('2026-05-09', '10:00'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'a weekday holiday closes the office schedule',
    groups: [g.staff],
    at: local('2026-05-01', '09:00'),
    allowed: false,
    code: 'holiday',
    text: 'closed on the holiday Labour Day (Office hours schedule)',
  },
  {
    name: 'night window, evening part (face and PIN)',
    groups: [g.night],
    at: local('2026-05-08', '23:00'),
    allowed: true,
    code: 'schedule',
    accepts: { face: false, pin: false, faceAndPin: true },
  },
  {
    name: "night window, Saturday morning from Friday's window",
    groups: [g.night],
    at: local('2026-05-09', '05:59'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'night window ends at 06:00',
    groups: [g.night],
    at: local('2026-05-09', '06:00'),
    allowed: false,
    code: 'outside_schedule',
    text: 'outside the Night shift schedule',
  },
  {
    name: 'Monday 03:00: Sunday has no night window',
    groups: [g.night],
    at: local('2026-05-04', '03:00'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: "Tuesday 03:00 from Monday's window",
    groups: [g.night],
    at: local('2026-05-05', '03:00'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: "holiday morning from the (ordinary) Thursday's window",
    groups: [g.night],
    at: local('2026-05-01', '02:00'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'holiday evening: the window of a holiday follows the holiday',
    groups: [g.night],
    at: local('2026-05-01', '23:00'),
    allowed: false,
    code: 'holiday',
  },
  {
    name: "the morning after a holiday: the holiday's night window never opened",
    groups: [g.night],
    at: local('2026-05-02', '03:00'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'holiday windows of a schedule',
    groups: [g.weekend],
    at: local('2026-12-25', '11:00'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'outside the holiday window',
    groups: [g.weekend],
    at: local('2026-12-25', '15:00'),
    allowed: false,
    code: 'holiday',
    text: 'closed on the holiday Christmas (Weekend schedule)',
  },
  {
    name: '00:00-24:00 is the whole day, last minute included',
    groups: [g.weekend],
    at: local('2026-05-10', '23:59'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'a group for another door only',
    groups: [g.visitors],
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'no_door',
    text: 'no access group of this person opens the main door',
  },
  {
    name: 'the door the group opens',
    groups: [g.visitors],
    door: 'lobby',
    at: local('2026-05-04', '09:00'),
    allowed: true,
    code: 'group',
    text: 'group Visitors',
  },
  {
    name: 'a group for one door, another door',
    groups: [g.night],
    door: 'lobby',
    at: local('2026-05-08', '23:00'),
    allowed: false,
    code: 'no_door',
  },
  {
    name: 'several groups: one that grants is enough',
    groups: [g.staff, g.guards],
    at: local('2026-05-09', '10:00'),
    allowed: true,
    code: 'group',
    accepts: { face: true, pin: true, faceAndPin: true },
  },
  {
    name: 'several groups: modes add up',
    groups: [g.night, g.nightly],
    at: local('2026-05-08', '23:00'),
    allowed: true,
    code: 'schedule',
    accepts: { face: true, pin: false, faceAndPin: true },
  },
  {
    name: 'PIN/badge only',
    groups: [g.pinOnly],
    at: local('2026-05-04', '09:00'),
    allowed: true,
    code: 'group',
    accepts: { face: false, pin: true, faceAndPin: true },
  },
  {
    name: 'no groups: no restriction',
    groups: [],
    at: local('2026-05-04', '03:00'),
    allowed: true,
    code: 'no_groups',
  },
  {
    name: 'a schedule that is gone opens nothing',
    groups: [g.broken],
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'outside_schedule',
    text: 'outside the #99 schedule',
  },
  {
    name: 'expired the day before',
    groups: [g.staff],
    validUntil: local('2026-05-04', '00:00'),
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'expired',
    text: 'pass expired on 3 May',
  },
  {
    name: 'expired in an earlier year',
    groups: [],
    validUntil: local('2026-01-01', '00:00'),
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'expired',
    text: 'pass expired on 31 December 2025',
  },
  {
    name: 'valid until is exclusive',
    groups: [],
    validUntil: local('2026-05-04', '09:00'),
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'expired',
    text: 'pass expired on 4 May',
  },
  {
    name: 'a millisecond before valid until',
    groups: [],
    validUntil: local('2026-05-04', '09:00'),
    at: local('2026-05-04', '09:00') - 1,
    allowed: true,
    code: 'no_groups',
  },
  {
    name: 'not yet valid',
    groups: [g.guards],
    validFrom: local('2026-06-01', '00:00'),
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'not_yet_valid',
    text: 'pass valid from 1 June',
  },
  {
    name: 'validity beats a group that would grant',
    groups: [g.guards],
    validUntil: local('2026-05-01', '00:00'),
    at: local('2026-05-04', '09:00'),
    allowed: false,
    code: 'expired',
  },
  {
    name: 'valid from is inclusive',
    groups: [],
    validFrom: local('2026-05-04', '09:00'),
    at: local('2026-05-04', '09:00'),
    allowed: true,
    code: 'no_groups',
  },
  // DST: the schedule follows the wall clock.
  {
    name: 'spring forward: 01:59 CET is in 01:00-03:00',
    groups: [g.cleaners],
    at: utc('2026-03-29T00:59:00Z'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'spring forward: the next minute is 03:00 CEST, outside',
    groups: [g.cleaners],
    at: utc('2026-03-29T01:00:00Z'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'fall back: 02:30 CEST is inside',
    groups: [g.cleaners],
    at: utc('2026-10-25T00:30:00Z'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'fall back: 02:30 CET (the second time) is inside too',
    groups: [g.cleaners],
    at: utc('2026-10-25T01:30:00Z'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'fall back: 03:00 CET is outside',
    groups: [g.cleaners],
    at: utc('2026-10-25T02:00:00Z'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'overnight window across spring forward: 05:30 CEST inside',
    groups: [g.nightly],
    at: utc('2026-03-29T03:30:00Z'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'overnight window across spring forward: 06:00 CEST outside',
    groups: [g.nightly],
    at: utc('2026-03-29T04:00:00Z'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'overnight window across fall back: 05:59 CET inside',
    groups: [g.nightly],
    at: utc('2026-10-25T04:59:00Z'),
    allowed: true,
    code: 'schedule',
  },
  // Another zone: the same instant is a different local time.
  {
    name: 'New York 09:00 EDT is office hours',
    groups: [g.staff],
    timeZone: 'America/New_York',
    at: utc('2026-05-04T13:00:00Z'),
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'the same instant in Berlin (15:00) too, but 07:30 EDT is not',
    groups: [g.staff],
    timeZone: 'America/New_York',
    at: utc('2026-05-04T11:30:00Z'),
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'the local day decides the weekday: Sunday 23:00 in New York is Monday in UTC',
    groups: [g.staff],
    timeZone: 'America/New_York',
    at: utc('2026-05-11T03:00:00Z'),
    allowed: false,
    code: 'outside_schedule',
  },
];

describe('access rules (pure function, table of cases)', () => {
  it.each(cases)('$name', (c) => {
    const v = evaluateRules(
      { validFrom: c.validFrom ?? null, validUntil: c.validUntil ?? null, groups: c.groups },
      { schedules, holidays, timeZone: c.timeZone ?? berlin, door: c.door ?? 'main' },
      c.at,
    );
    expect({ allowed: v.allowed, code: v.code }).toEqual({ allowed: c.allowed, code: c.code });
    if (c.text) expect(v.text).toBe(c.text);
    if (c.accepts) expect(v.accepts).toEqual(c.accepts);
    if (!v.allowed) expect(v.accepts).toEqual({ face: false, pin: false, faceAndPin: false });
  });

  it('a face alone is not enough where the rule asks for face and PIN', () => {
    const v = evaluateRules(
      { validFrom: null, validUntil: null, groups: [g.night] },
      { schedules, holidays, timeZone: berlin, door: 'main' },
      local('2026-05-08', '23:00'),
    );
    expect(credentialAccepted(v, 'face')).toBe(false);
    expect(credentialAccepted(v, 'pin')).toBe(false);
    expect(credentialAccepted(v, 'face_and_pin')).toBe(true);
  });

  it('a refusal accepts nothing', () => {
    const v = evaluateRules(
      { validFrom: null, validUntil: null, groups: [g.staff] },
      { schedules, holidays, timeZone: berlin, door: 'main' },
      local('2026-05-09', '10:00'),
    );
    expect(credentialAccepted(v, 'face_and_pin')).toBe(false);
  });
});

interface CredentialCase {
  name: string;
  groups: RuleGroup[];
  at: number;
  presented: Presented;
  allowed: boolean;
  code: RuleCode;
  text?: string;
}

// The same rules with what was presented at the kiosk: the mode of the granting group or window.
const credentialCases: CredentialCase[] = [
  {
    name: 'face mode: the face',
    groups: [g.staff],
    at: local('2026-05-04', '09:00'),
    presented: 'face',
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'face mode: a PIN alone needs the face',
    groups: [g.staff],
    at: local('2026-05-04', '09:00'),
    presented: 'pin',
    allowed: false,
    code: 'face_required',
    text: 'face required, not a PIN or badge alone (group Staff, Office hours schedule)',
  },
  {
    name: 'face mode: face and PIN is more than enough',
    groups: [g.staff],
    at: local('2026-05-04', '09:00'),
    presented: 'face_and_pin',
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'face or PIN: the face',
    groups: [g.guards],
    at: local('2026-05-04', '03:00'),
    presented: 'face',
    allowed: true,
    code: 'group',
  },
  {
    name: 'face or PIN: a PIN or badge alone',
    groups: [g.guards],
    at: local('2026-05-04', '03:00'),
    presented: 'pin',
    allowed: true,
    code: 'group',
  },
  {
    name: 'face and PIN window: the face alone asks for the PIN',
    groups: [g.night],
    at: local('2026-05-08', '23:00'),
    presented: 'face',
    allowed: false,
    code: 'pin_required',
    text: 'face and PIN required (group Night, Night shift schedule)',
  },
  {
    name: 'face and PIN window: a PIN alone is refused',
    groups: [g.night],
    at: local('2026-05-08', '23:00'),
    presented: 'pin',
    allowed: false,
    code: 'face_required',
  },
  {
    name: 'face and PIN window: both let in',
    groups: [g.night],
    at: local('2026-05-08', '23:00'),
    presented: 'face_and_pin',
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'face and PIN window across midnight: both let in at 05:59 the next morning',
    groups: [g.night],
    at: local('2026-05-09', '05:59'),
    presented: 'face_and_pin',
    allowed: true,
    code: 'schedule',
  },
  {
    name: 'outside the face and PIN window both are refused by the schedule, not the mode',
    groups: [g.night],
    at: local('2026-05-09', '06:00'),
    presented: 'face_and_pin',
    allowed: false,
    code: 'outside_schedule',
  },
  {
    name: 'PIN only: a PIN',
    groups: [g.pinOnly],
    at: local('2026-05-04', '09:00'),
    presented: 'pin',
    allowed: true,
    code: 'group',
  },
  {
    name: 'PIN only: the face alone asks for the PIN',
    groups: [g.pinOnly],
    at: local('2026-05-04', '09:00'),
    presented: 'face',
    allowed: false,
    code: 'pin_required',
  },
  {
    name: 'two granting groups add up: Contractors by PIN',
    groups: [g.staff, g.pinOnly],
    at: local('2026-05-04', '09:00'),
    presented: 'pin',
    allowed: true,
    code: 'group',
    text: 'group Contractors',
  },
  {
    name: 'two granting groups add up: Staff by face (the group that accepts it is named)',
    groups: [g.staff, g.pinOnly],
    at: local('2026-05-04', '09:00'),
    presented: 'face',
    allowed: true,
    code: 'schedule',
    text: 'group Staff, Office hours schedule',
  },
  {
    name: 'no group: no restriction, a PIN too',
    groups: [],
    at: local('2026-05-04', '09:00'),
    presented: 'pin',
    allowed: true,
    code: 'no_groups',
  },
  {
    name: 'an expired pass refuses a PIN like a face',
    groups: [g.guards],
    at: local('2026-05-04', '09:00'),
    presented: 'pin',
    allowed: false,
    code: 'expired',
  },
];

describe('access rules with the credential presented (table of cases)', () => {
  it.each(credentialCases)('$name', (c) => {
    const expired = c.code === 'expired' ? local('2026-05-04', '00:00') : null;
    const v = evaluateRules(
      { validFrom: null, validUntil: expired, groups: c.groups },
      { schedules, holidays, timeZone: berlin, door: 'main' },
      c.at,
      c.presented,
    );
    expect({ allowed: v.allowed, code: v.code }).toEqual({ allowed: c.allowed, code: c.code });
    if (c.text) expect(v.text).toBe(c.text);
    // A refusal by the mode still says what would let the person in; credentialAccepted agrees.
    expect(credentialAccepted(v, c.presented)).toBe(c.allowed);
    if (v.code === 'pin_required') expect(v.accepts.faceAndPin).toBe(true);
  });
});
