import { z } from 'zod';
import { attendanceModes, clockTimeSchema, erasurePolicies, noChoiceKinds } from './attendance';
import { doorTimingSchema, relaySettingsSchema } from './door';
import {
  defaultIntegrationSettings,
  integrationSettingsIssues,
  integrationSettingsSchema,
} from './integrations';

/**
 * Every setting the app knows, grouped by the screen that edits it. The schemas hold no
 * defaults (zod would then fill missing keys of a partial patch); `defaultSettings` holds them,
 * and `resolveSettings` / `applySettingsPatch` merge stored values onto it and validate.
 */

export const providerNames = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof providerNames)[number];

export const recognitionSettingsSchema = z.strictObject({
  /** Model pack id; null picks the first available pack of the catalog's defaults. */
  pack: z.string().min(1).nullable(),
  /** Execution providers in order of preference; the first that loads is used. */
  providers: z.array(z.enum(providerNames)).min(1),
  /** Cosine threshold for a match; null uses the active pack's measured threshold. */
  threshold: z.number().min(0).max(1).nullable(),
  /** The best person must beat the best other person by this much, else "unknown". */
  margin: z.number().min(0).max(0.5),
  detThreshold: z.number().min(0.05).max(0.99),
  /** Faces whose box is narrower than this (pixels) are ignored at the kiosk. */
  minFaceSize: z.int().min(16).max(2000),
  maxFaces: z.int().min(1).max(32),
});

/**
 * Step-up challenge at this kiosk's door (docs/liveness.md): 'when_unsure' asks for a random head
 * turn when the passive liveness of the tracked face is in the unsure band; 'always' asks every
 * time before the door opens; 'off' never asks (an unsure face is refused).
 */
export const stepUpModes = ['off', 'when_unsure', 'always'] as const;
export type StepUpMode = (typeof stepUpModes)[number];

export const livenessSettingsSchema = z.strictObject({
  /** The door opens only for a face judged live. */
  requiredForDoor: z.boolean(),
  /** Liveness threshold in [0, 1]; null uses the active pack's measured one. */
  threshold: z.number().min(0).max(1).nullable(),
  /** When liveness is required but no liveness model loads: keep logging attendance (door stays shut). */
  attendanceWithoutLiveness: z.boolean(),
  /** When to ask for a step-up challenge (a random head turn) before the door opens. */
  stepUp: z.enum(stepUpModes),
});

export const accessSettingsSchema = z.strictObject({
  /** K: frames that must agree on one person ... */
  framesToAgree: z.int().min(1).max(30),
  /** ... among the last N frames. */
  frameWindow: z.int().min(1).max(60),
  /** After a decision, the same person triggers nothing for this long. */
  cooldownSeconds: z.number().min(0).max(600),
});

export const attendanceSettingsSchema = z.strictObject({
  mode: z.enum(attendanceModes),
  /** Explicit mode: what a recognised person who pressed neither In nor Out is logged as ('none': nothing). */
  noChoice: z.enum(noChoiceKinds),
  /** The same person again within this window makes no new check-in. */
  debounceMinutes: z
    .number()
    .min(0)
    .max(24 * 60),
  /** Unknown faces and spoofs within this many seconds make one event. */
  anonymousDebounceSeconds: z.number().min(0).max(3600),
  /** Events older than this are purged; 0 keeps them forever. */
  retentionDays: z.int().min(0).max(36500),
  /** What deleting a person does to their attendance events. */
  erasure: z.enum(erasurePolicies),
  /** IANA time zone for reports; null uses the system's. */
  timeZone: z.string().min(1).nullable(),
  /** Shift start per group ("" is people without a group), for late arrivals. */
  shiftStarts: z.record(z.string(), clockTimeSchema),
  /** Shift end per group, for "left early" (an end at or before the start is the next morning). */
  shiftEnds: z.record(z.string(), clockTimeSchema),
  deviceName: z.string().min(1).max(100),
});

const timing = doorTimingSchema.shape;
/** An input of the board: its number (Modbus discrete input or Numato GPIO) and whether it reads 1 when active. */
const boardInputSchema = z.strictObject({
  index: z.int().min(0).max(255),
  activeHigh: z.boolean().default(true),
});
export const doorSupervisionSchema = z.strictObject({
  /** The door contact (reed switch): active = the door is open. Null: no contact wired. */
  contactInput: boardInputSchema.nullable(),
  /** The exit button (request to exit): active = pressed. Null: none wired. */
  exitButtonInput: boardInputSchema.nullable(),
  /** An open door longer than this after a grant raises door_held_open. */
  heldOpenSeconds: z.number().min(1).max(3600),
});
export const doorSettingsSchema = z.strictObject({
  /** No relay is driven while false (attendance-only desks). */
  enabled: z.boolean(),
  /** The relay board (docs/door.md); null until one is set up. Replaced whole by a patch. */
  relay: relaySettingsSchema.nullable(),
  /** How long a granted face unlocks the door. */
  pulseSeconds: timing.pulseSeconds.unwrap(),
  /** Re-send "locked" this often while locked; 0: never. */
  reassertSeconds: timing.reassertSeconds.unwrap(),
  /** Anti-passback (docs/access.md): a person let in cannot enter again before an exit kiosk let them out. */
  antiPassback: z.boolean().default(false),
  /** The paired kiosks (by name) that let people out; every other kiosk is an entry. */
  exitKiosks: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  /** Door supervision (docs/door.md): inputs of the relay board, and how long the door may stand open. */
  supervision: doorSupervisionSchema.default({
    contactInput: null,
    exitButtonInput: null,
    heldOpenSeconds: 30,
  }),
});

export const enrolmentSettingsSchema = z.strictObject({
  minInterEyePx: z.number().min(10).max(1000),
  minDetScore: z.number().min(0).max(1),
  /** Variance of the Laplacian on the aligned crop; lower is blurrier. */
  minSharpness: z.number().min(0),
  /** Largest accepted head turn, as |yaw| in degrees estimated from the 5 points. */
  maxYawDegrees: z.number().min(5).max(90),
  /** Largest accepted tilt of the eye line, in degrees. */
  maxRollDegrees: z.number().min(5).max(90),
  /** Nose height between eye line (0) and mouth line (1): outside this range the head looks up or down. */
  minNoseHeight: z.number().min(0).max(1),
  maxNoseHeight: z.number().min(0).max(1.5),
  /** Samples captured per enrolment from the camera. */
  cameraSamples: z.int().min(1).max(20),
});

export const kioskSettingsSchema = z.strictObject({
  /** The desktop app's window is a kiosk (full screen, no way out but the admin screen). */
  fullscreen: z.boolean(),
  /** The desktop app starts when the desk's user logs in (docs/app.md); the headless host ignores it. */
  startAtLogin: z.boolean(),
  /** Keep the display awake while the kiosk runs. */
  preventSleep: z.boolean(),
  greetByName: z.boolean(),
  speech: z.boolean(),
  sound: z.boolean(),
  /** How long a result stays on screen. */
  resultSeconds: z.number().min(1).max(60),
  language: z.string().min(2).max(10),
});

export const adminSettingsSchema = z.strictObject({
  /** Failed PIN attempts before the lockout starts (it then doubles per failure). */
  lockoutAfter: z.int().min(1).max(20),
  lockoutSeconds: z.number().min(1).max(3600),
  /** An admin session ends after this long without a call. */
  sessionMinutes: z
    .number()
    .min(1)
    .max(24 * 60),
});

/** Event snapshots: the face crop at each kiosk decision, for the admin's log (docs/ui.md). */
export const snapshotSettingsSchema = z.strictObject({
  /** Snapshots older than this are erased; 0 keeps none at all. */
  keepDays: z.int().min(0).max(3650),
  /** Also keep the faces of strangers (nobody recognised); off by default. */
  strangers: z.boolean(),
});

const sections = {
  recognition: recognitionSettingsSchema,
  liveness: livenessSettingsSchema,
  access: accessSettingsSchema,
  attendance: attendanceSettingsSchema,
  door: doorSettingsSchema,
  enrolment: enrolmentSettingsSchema,
  kiosk: kioskSettingsSchema,
  admin: adminSettingsSchema,
  integrations: integrationSettingsSchema,
  snapshots: snapshotSettingsSchema,
};
export type SettingsSection = keyof typeof sections;
export const settingsSections = [
  'recognition',
  'liveness',
  'access',
  'attendance',
  'door',
  'enrolment',
  'kiosk',
  'admin',
  'integrations',
  'snapshots',
] as const satisfies readonly SettingsSection[];

export const settingsSchema = z.strictObject(sections).superRefine((s, ctx) => {
  if (s.access.framesToAgree > s.access.frameWindow) {
    ctx.addIssue({
      code: 'custom',
      path: ['access', 'framesToAgree'],
      message: 'framesToAgree cannot exceed frameWindow',
    });
  }
  if (s.door.enabled && s.door.relay === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['door', 'relay'],
      message: 'set up the relay board (driver and port) before enabling the door',
    });
  }
  if (s.enrolment.minNoseHeight >= s.enrolment.maxNoseHeight) {
    ctx.addIssue({
      code: 'custom',
      path: ['enrolment', 'minNoseHeight'],
      message: 'minNoseHeight must be below maxNoseHeight',
    });
  }
  for (const issue of integrationSettingsIssues(s.integrations)) {
    ctx.addIssue({ code: 'custom', path: ['integrations', issue.path], message: issue.message });
  }
});
export type Settings = z.infer<typeof settingsSchema>;

/** A change to some settings: any section, any subset of its keys (records are replaced whole). */
export const settingsPatchSchema = z.strictObject({
  recognition: recognitionSettingsSchema.partial().optional(),
  liveness: livenessSettingsSchema.partial().optional(),
  access: accessSettingsSchema.partial().optional(),
  attendance: attendanceSettingsSchema.partial().optional(),
  door: doorSettingsSchema.partial().optional(),
  enrolment: enrolmentSettingsSchema.partial().optional(),
  kiosk: kioskSettingsSchema.partial().optional(),
  admin: adminSettingsSchema.partial().optional(),
  integrations: integrationSettingsSchema.partial().optional(),
  snapshots: snapshotSettingsSchema.partial().optional(),
});
export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const defaultSettings: Settings = {
  recognition: {
    pack: null,
    providers: ['cpu'],
    threshold: null,
    margin: 0.05,
    detThreshold: 0.5,
    minFaceSize: 60,
    maxFaces: 5,
  },
  liveness: {
    requiredForDoor: true,
    threshold: null,
    attendanceWithoutLiveness: false,
    stepUp: 'when_unsure',
  },
  access: { framesToAgree: 3, frameWindow: 5, cooldownSeconds: 10 },
  attendance: {
    mode: 'check_in_only',
    noChoice: 'check_in',
    debounceMinutes: 5,
    anonymousDebounceSeconds: 30,
    retentionDays: 0,
    erasure: 'delete',
    timeZone: null,
    shiftStarts: {},
    shiftEnds: {},
    deviceName: 'front-desk',
  },
  door: {
    enabled: false,
    relay: null,
    pulseSeconds: 3,
    reassertSeconds: 30,
    antiPassback: false,
    exitKiosks: [],
    supervision: { contactInput: null, exitButtonInput: null, heldOpenSeconds: 30 },
  },
  enrolment: {
    minInterEyePx: 40,
    minDetScore: 0.6,
    minSharpness: 50,
    maxYawDegrees: 30,
    maxRollDegrees: 30,
    minNoseHeight: 0.2,
    maxNoseHeight: 0.85,
    cameraSamples: 5,
  },
  kiosk: {
    fullscreen: false,
    startAtLogin: false,
    preventSleep: true,
    greetByName: true,
    speech: false,
    sound: true,
    resultSeconds: 4,
    language: 'en',
  },
  admin: { lockoutAfter: 5, lockoutSeconds: 30, sessionMinutes: 15 },
  integrations: defaultIntegrationSettings,
  snapshots: { keepDays: 30, strangers: false },
};

/** Merge a patch onto settings (one level deep: sections, then keys) and validate the result. */
export function applySettingsPatch(
  current: Settings,
  patch: SettingsPatch,
): ReturnType<typeof settingsSchema.safeParse> {
  const merged: Record<string, unknown> = { ...current };
  for (const section of settingsSections) {
    const change = patch[section];
    if (change) merged[section] = { ...current[section], ...change };
  }
  return settingsSchema.safeParse(merged);
}

/**
 * Settings from whatever was stored (possibly written by an older version, possibly damaged):
 * every stored key that is still valid is kept, everything else falls back to its default.
 * Returns the settings and the dotted keys that were dropped, so the caller can log them.
 */
export function resolveSettings(stored: unknown): { settings: Settings; dropped: string[] } {
  const dropped: string[] = [];
  const settings = structuredClone(defaultSettings) as Record<SettingsSection, Record<string, unknown>>;
  const source = isRecord(stored) ? stored : {};
  for (const section of settingsSections) {
    const values = source[section];
    if (values === undefined) continue;
    if (!isRecord(values)) {
      dropped.push(section);
      continue;
    }
    const shape = sections[section].shape as Record<string, z.ZodType>;
    for (const [key, value] of Object.entries(values)) {
      const field = shape[key];
      if (field && field.safeParse(value).success) settings[section][key] = value;
      else dropped.push(`${section}.${key}`);
    }
  }
  const checked = settingsSchema.safeParse(settings);
  if (checked.success) return { settings: checked.data, dropped };
  // Individually valid keys that conflict (e.g. K > N): keep the defaults of the sections at fault.
  const result = structuredClone(settings) as Record<string, unknown>;
  for (const issue of checked.error.issues) {
    const section = issue.path[0] as SettingsSection;
    result[section] = structuredClone(defaultSettings[section]);
    dropped.push(section);
  }
  return { settings: settingsSchema.parse(result), dropped };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
