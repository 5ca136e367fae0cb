import { z } from 'zod';
// Type only: ./access imports decisionKinds from here, so a runtime import back would be a cycle.
import type { AccessReason } from './access';
import {
  attendanceEventSchema,
  attendanceModes,
  attendanceReportSchema,
  auditEntrySchema,
  eventKinds,
  noChoiceKinds,
  todaySummarySchema,
} from './attendance';
import { alarmSchema } from './alarms';
import {
  doorStateChangeSchema,
  doorStates,
  doorTestOutcomes,
  doorStatusSchema,
  pulseResultSchema,
  relaySettingsSchema,
  serialPortInfoSchema,
} from './door';
import {
  calibrationResultSchema,
  enrolResultSchema,
  personRefSchema,
  personSchema,
  personTextFields,
  qualityReportSchema,
  templateInfoSchema,
} from './people';
import { personCredentialsSchema, presentCredentialSchema, setPersonCredentialsSchema } from './credentials';
import { kioskSettingsSchema, settingsPatchSchema, settingsSchema } from './settings';
import { integrationCalls } from './integrations';
import { rosterLimits, rosterPlanSchema, rosterRowInputSchema, rosterRowResultSchema } from './roster';
import type { EventName, EventPayload } from './events';
import { pinPattern } from './pin';
import {
  accessGroupInputSchema,
  accessGroupSchema,
  holidayInputSchema,
  holidaySchema,
  personAccessSchema,
  ruleVerdictSchema,
  scheduleInputSchema,
  scheduleSchema,
} from './access-rules';
import { accountNamePattern, accountSchema, roles } from './roles';
import type { ErrorInfo } from './errors';

/**
 * THE contract between the UI and the app: every call (name, zod input schema, result schema,
 * whether it needs an admin PIN session) and, in ./events, every pushed event. Electron IPC, the
 * WebSocket host and direct calls in tests carry exactly this; the renderer sees it as
 * `window.facegate.<group>.<method>(input)` (FaceGateApi below).
 *
 * Conventions: ids are positive integers; times are ISO 8601 UTC strings; binary data is a
 * Uint8Array (structured clone over IPC, a binary frame over the WebSocket, never JSON). A call
 * that fails rejects with an ErrorInfo-shaped object ({ code, message, details? }); an expected
 * negative outcome (a refused enrolment, a wrong PIN) is a result, not an error.
 */

// ---------------------------------------------------------------------------------------------
// Building blocks

const tagOf = (value: unknown) => Object.prototype.toString.call(value);

/** Bytes: a Uint8Array (Buffer included) or a Uint8ClampedArray (canvas ImageData), as a Uint8Array. */
export const bytesSchema = z
  .custom<Uint8Array | Uint8ClampedArray>(
    (v) => ArrayBuffer.isView(v) && ['[object Uint8Array]', '[object Uint8ClampedArray]'].includes(tagOf(v)),
    { message: 'expected binary data (a Uint8Array)' },
  )
  .transform((v) => (v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));

const isoTime = z.iso.datetime({ offset: true });
/** A calendar day (YYYY-MM-DD, in the report time zone) or an exact time. */
const dayOrTime = z.union([z.iso.date(), isoTime]);
export const id = z.int().positive();
const score = z.number();
/** Calls without parameters; inputs reject unknown keys (strictObject), results do not. */
const noInput = z.strictObject({}).prefault({});
const empty = z.object({});

export const pointSchema = z.object({ x: z.number(), y: z.number() });
export const boxSchema = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

export const maxFrameSide = 4096;
export const maxPhotoBytes = 25 * 1024 * 1024;

/**
 * How a frame's bytes are laid out. rgba: 4 bytes a pixel, row by row (a canvas's ImageData).
 * i420: the camera's own planes, as WebCodecs' VideoFrame.copyTo gives them: Y (width x height),
 * then U and V at half width and height. nv12: Y, then U and V interleaved at half resolution.
 * The planar formats carry 1.5 bytes a pixel instead of 4 (460,800 bytes for 640x480 instead of
 * 1,228,800) and skip the browser's conversion; the inference process converts them to RGB.
 */
export const frameFormats = ['rgba', 'i420', 'nv12'] as const;
export type FrameFormat = (typeof frameFormats)[number];

/** The YUV to RGB conversion of a planar frame (VideoFrame.colorSpace); BT.601, limited range unless said. */
export const yuvColorSchema = z.strictObject({
  matrix: z.enum(['bt601', 'bt709']).default('bt601'),
  fullRange: z.boolean().default(false),
});
export type YuvColor = z.output<typeof yuvColorSchema>;

/** How many bytes a frame of this format and size holds (planar formats need even sides). */
export function frameByteLength(format: FrameFormat, width: number, height: number): number {
  return format === 'rgba' ? width * height * 4 : (width * height * 3) / 2;
}

/** One camera frame: RGBA pixels row by row with no padding, or the camera's planes (frameFormats). */
export const frameSchema = z
  .strictObject({
    width: z.int().min(16).max(maxFrameSide),
    height: z.int().min(16).max(maxFrameSide),
    /** rgba unless said. */
    format: z.enum(frameFormats).optional(),
    /** For i420 and nv12: the frame's colour space (what VideoFrame.colorSpace says). */
    color: yuvColorSchema.optional(),
    data: bytesSchema,
    /** When the frame was captured (ms, the sender's clock); echoed in the result. */
    timestamp: z.number().nonnegative(),
  })
  .refine((f) => (f.format ?? 'rgba') === 'rgba' || (f.width % 2 === 0 && f.height % 2 === 0), {
    message: 'an i420 or nv12 frame must have an even width and height',
    path: ['width'],
  })
  .refine((f) => f.data.byteLength === frameByteLength(f.format ?? 'rgba', f.width, f.height), {
    message:
      'data must hold exactly the bytes of its format: width x height x 4 for rgba, x 1.5 for i420 and nv12',
    path: ['data'],
  });
export type Frame = z.input<typeof frameSchema>;

// ---------------------------------------------------------------------------------------------
// Domain shapes as they cross the boundary

// People, templates, enrolment and calibration come from ./people; events, reports and the audit
// log from ./attendance; relay settings, door states and ports from ./door; access reasons from
// ./access. Those are the domain owners' schemas, passed through unchanged.

export const livenessVerdicts = ['live', 'spoof', 'cannot_judge'] as const;
export const livenessSchema = z.object({
  score,
  verdict: z.enum(livenessVerdicts),
  reason: z.string().optional(),
});

export const decisionKinds = ['granted', 'denied', 'unknown', 'not_live', 'no_face', 'cannot_judge'] as const;
export type DecisionKind = (typeof decisionKinds)[number];
/** What the policy says on each frame: a decision kind, or 'pending' while evidence gathers. */
const trackingKinds = [...decisionKinds, 'pending'] as const;
/** An AccessReason code (./access lists them; checked there, typed here). */
const accessReason = z.custom<AccessReason>((v) => typeof v === 'string' && v.length > 0);

/** The access policy's verdict over the last frames, with what it led to. */
export const accessDecisionSchema = z.object({
  /**
   * Names the decision: the frame's result carries it at once (door 'opening', attendance null),
   * the `access.decision` event with the same id says what the door and the log did.
   */
  id: z.number().int().nonnegative().optional(),
  kind: z.enum(decisionKinds),
  person: personRefSchema.nullable(),
  similarity: score.nullable(),
  /** Aggregated (median) liveness over the agreeing frames. */
  liveness: score.nullable(),
  /** Why, as a code the UI translates (e.g. 'inactive', 'liveness_unavailable', 'spoof'). */
  reason: accessReason.nullable(),
  /** The access rule that granted or refused (docs/access.md); absent when no rule was asked. */
  rule: ruleVerdictSchema.nullable().optional(),
  doorOpened: z.boolean(),
  /**
   * What the door did for this decision, as far as the door controller knows: open (the board
   * confirmed: a Modbus echo or a read-back), sent (the command went to a write-only board that
   * cannot confirm), fault (the person may enter but the door could not be opened: the kiosk asks
   * them to call reception and admin shows an alarm), none (no door to open: attendance-only desk,
   * or not a decision that opens it), opening (in the frame's result: the pulse is on its way and
   * the access.decision event says how it went). Absent from older hosts: read doorOpened then.
   */
  door: z.enum(['open', 'sent', 'fault', 'none', 'opening']).optional(),
  /**
   * The attendance event written for this decision, if any (debounced repeats write none); null in
   * the frame's result, which does not wait for the write: the access.decision event carries it.
   */
  attendance: z.object({ kind: z.enum(eventKinds), eventId: id }).nullable(),
  at: isoTime,
});
export type AccessDecision = z.infer<typeof accessDecisionSchema>;

export const frameFaceSchema = z.object({
  box: boxSchema,
  landmarks: z.array(pointSchema).length(5),
  score,
  /** The person this face matched (threshold and margin passed), else null. */
  person: personRefSchema.nullable(),
  /** Best similarity against the gallery, even when below the threshold; null when not embedded. */
  similarity: score.nullable(),
  liveness: livenessSchema.nullable(),
  /** The face's track in this kiosk's stream (a new face, even in the same place, is a new track). */
  track: z.number().int().nonnegative().optional(),
});
export type FrameFace = z.infer<typeof frameFaceSchema>;

export const frameTimingsSchema = z.object({
  detect: z.number(),
  align: z.number(),
  embed: z.number(),
  liveness: z.number(),
  /** The whole analysis in the inference host. */
  analyze: z.number(),
  /** Gallery search and access policy on the service side. */
  match: z.number(),
  /** From the frame's arrival at the service to its result. */
  total: z.number(),
});

export const frameResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('processed'),
    /** Sequence number of processed frames since start. */
    frameId: z.int().nonnegative(),
    timestamp: z.number(),
    width: z.int(),
    height: z.int(),
    /** Main face first. */
    faces: z.array(frameFaceSchema),
    /** Set on the frame where the policy reached a decision; null while it gathers evidence. */
    decision: accessDecisionSchema.nullable(),
    /** Where the policy stands on this frame (e.g. 'pending' with 2 of 3 frames agreeing). */
    tracking: z.object({
      kind: z.enum(trackingKinds),
      reason: accessReason.nullable(),
      agreeing: z.int().nonnegative(),
      needed: z.int().positive(),
      /** Step-up challenge in progress (issue 12): the head turn asked for and the time left. */
      challenge: z
        .object({ action: z.enum(['turn_left', 'turn_right']), msLeft: z.number().nonnegative() })
        .nullable()
        .optional(),
    }),
    timings: frameTimingsSchema,
  }),
  z.object({
    status: z.literal('dropped'),
    timestamp: z.number(),
    /**
     * busy: a frame was already in flight; not_ready: the models are still loading or failed;
     * frozen: identical to the frame before (no live camera sends that; never evidence).
     */
    reason: z.enum(['busy', 'not_ready', 'frozen']),
  }),
]);
export type FrameResult = z.infer<typeof frameResultSchema>;

export const csvFileSchema = z.object({ fileName: z.string(), csv: z.string() });

/** The door as the admin screen sees it: no controller at all while the door is disabled. */
export const doorInfoSchema = z.object({ enabled: z.boolean(), status: doorStatusSchema.nullable() });

export const packInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  available: z.boolean(),
  /** Files that are not on this machine (empty when available). */
  missing: z.array(z.string()),
  /** Commercial use allowed only when every file's licence allows it. */
  commercialUse: z.boolean(),
  licences: z.array(z.string()),
  threshold: z.number(),
  liveness: z.boolean(),
  active: z.boolean(),
});

export const activeModelsSchema = z.object({
  pack: z.string(),
  title: z.string(),
  /** Execution provider in use (cpu, cuda, ...). */
  provider: z.string(),
  models: z.array(
    z.object({ id: z.string(), task: z.string(), licence: z.string(), commercialUse: z.boolean() }),
  ),
  commercialUse: z.boolean(),
  embeddingSize: z.int().positive(),
  threshold: z.number(),
  livenessModels: z.array(z.string()),
  livenessThreshold: z.number().nullable(),
});
export type ActiveModels = z.infer<typeof activeModelsSchema>;

export const cameraStates = ['unknown', 'ok', 'no_camera', 'permission_denied', 'error'] as const;
const partState = <const T extends readonly [string, ...string[]]>(states: T) =>
  z.object({ state: z.enum(states), message: z.string().nullable() });

export const statusSchema = z.object({
  version: z.string(),
  uptimeSeconds: z.number(),
  camera: partState(cameraStates).extend({
    label: z.string().nullable(),
    lastFrameAt: isoTime.nullable(),
    framesProcessed: z.int().nonnegative(),
    /** Frames dropped because one was already in flight. */
    framesDropped: z.int().nonnegative(),
    /** Processed frames per second over the last few seconds. */
    fps: z.number().nonnegative(),
  }),
  models: partState(['loading', 'ready', 'error']).extend({
    pack: z.string().nullable(),
    provider: z.string().nullable(),
    commercialUse: z.boolean().nullable(),
  }),
  liveness: partState(['ready', 'unavailable', 'disabled']).extend({
    requiredForDoor: z.boolean(),
    models: z.array(z.string()),
  }),
  relay: partState([...doorStates, 'disabled']).extend({ port: z.string().nullable() }),
  /** read-only, locked (by another program) and full: readable, but writes wait in the journal or fail clearly. */
  database: partState(['ready', 'read-only', 'locked', 'full', 'error']).extend({
    path: z.string().nullable(),
    people: z.int().nonnegative(),
    templates: z.int().nonnegative(),
    /** Events kept while the database could not take them, written when it is back. */
    pendingWrites: z.int().nonnegative().optional(),
  }),
  /** Present when this kiosk is a member of a site (docs/site.md): its link to the site database. */
  site: partState(['online', 'offline'])
    .extend({
      siteName: z.string(),
      kiosk: z.string(),
      door: z.string(),
      /** Events written here and not yet stored in the site database. */
      outboxDepth: z.int().nonnegative(),
      /** The last change of the site this kiosk has applied. */
      appliedSeq: z.int().nonnegative(),
      lastContactAt: isoTime.nullable(),
      /** Site clock minus kiosk clock (ms), as last measured. */
      clockSkewMs: z.number().nullable(),
    })
    .optional(),
});
export type Status = z.infer<typeof statusSchema>;

export const adminStateSchema = z.object({
  /** False on first run: the admin screen must set a PIN (admin.setupPin). */
  pinSet: z.boolean(),
  loggedIn: z.boolean(),
  failedAttempts: z.int().nonnegative(),
  /** While set, login attempts are refused without checking the PIN. */
  lockedUntil: isoTime.nullable(),
  /** The account logged in on this connection, and its role (what the admin screen shows). */
  account: z.object({ name: z.string(), role: z.enum(roles) }).nullable(),
});
export type AdminState = z.infer<typeof adminStateSchema>;

export const pinSchema = z.string().regex(pinPattern, 'a PIN is 6 to 12 digits');
const accountName = z
  .string()
  .trim()
  .regex(accountNamePattern, 'an account name is 1 to 40 letters, digits, . _ -');
/** An account's secret: a PIN (6 to 12 digits) or a passphrase of at least 12 characters. */
export const secretSchema = z
  .string()
  .max(200)
  .refine((v) => pinPattern.test(v) || (v.length >= 12 && !/^\d+$/.test(v)), {
    message: 'a PIN is 6 to 12 digits; a passphrase at least 12 characters',
  });

/** Whether this connection is a paired kiosk (may submit frames and receive decisions). */
export const pairingStateSchema = z.object({
  paired: z.boolean(),
  /** The name the admin gave the kiosk; null for the app's own window. */
  name: z.string().nullable(),
  /** The app's own window: paired by construction, nothing to enter. */
  byConstruction: z.boolean(),
});
export type PairingState = z.infer<typeof pairingStateSchema>;
export const pairedKioskSchema = z.object({
  id: z.string(),
  name: z.string(),
  pairedAt: isoTime,
  lastUsedAt: isoTime.nullable(),
});
export type PairedKiosk = z.infer<typeof pairedKioskSchema>;

export const kioskConfigSchema = z.object({
  attendanceMode: z.enum(attendanceModes),
  /** Explicit mode: what nobody pressing In or Out is logged as ('none': nothing; the kiosk asks for a press). */
  noChoice: z.enum(noChoiceKinds).optional(),
  kiosk: kioskSettingsSchema,
  doorEnabled: z.boolean(),
  /** Someone has a PIN or a badge: the kiosk offers its PIN pad (docs/access.md). */
  pinPad: z.boolean().optional(),
});

const eventFilter = {
  from: dayOrTime.optional(),
  to: dayOrTime.optional(),
  personId: id.optional(),
  kinds: z.array(z.enum(eventKinds)).optional(),
};
const reportFilter = {
  from: z.iso.date(),
  to: z.iso.date(),
  group: z.string().optional(),
  personId: id.optional(),
};
const personFields = {
  name: personTextFields.name,
  employeeCode: personTextFields.employeeCode.nullable(),
  group: personTextFields.group.nullable(),
  active: z.boolean(),
  notes: personTextFields.notes,
};

// ---------------------------------------------------------------------------------------------
// The calls

export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Needs an admin PIN session on the calling connection. */
  admin: boolean;
  /** Needs a paired kiosk (the app's window, or a browser paired by an admin): frames, decisions. */
  kiosk?: boolean;
  /** One sentence for docs and tooling. */
  summary: string;
}

const call = <I extends z.ZodType, O extends z.ZodType>(spec: CallSpec<I, O>) => spec;

export const contract = {
  // Kiosk -------------------------------------------------------------------------------------
  'frames.submit': call({
    summary: 'Analyse the newest camera frame; dropped (not queued) while another is in flight.',
    admin: false,
    kiosk: true,
    input: frameSchema,
    output: frameResultSchema,
  }),
  'kiosk.config': call({
    summary: 'What the kiosk screen needs from the settings (no PIN).',
    admin: false,
    input: noInput,
    output: kioskConfigSchema,
  }),
  'attendance.choose': call({
    summary: 'Explicit in/out mode: the kind the next recognised person is logged as.',
    admin: false,
    kiosk: true,
    input: z.strictObject({ kind: z.enum(['check_in', 'check_out']) }),
    output: z.object({ kind: z.enum(['check_in', 'check_out']), until: isoTime }),
  }),
  'status.get': call({
    summary: 'Camera, models, liveness, relay and database status.',
    admin: false,
    input: noInput,
    output: statusSchema,
  }),
  'status.reportCamera': call({
    summary: 'The renderer tells the app what its camera is doing (for the status page).',
    admin: false,
    kiosk: true,
    input: z.strictObject({
      state: z.enum(cameraStates),
      label: z.string().max(300).nullable().optional(),
      message: z.string().max(1000).nullable().optional(),
    }),
    output: empty,
  }),

  // Admin session -----------------------------------------------------------------------------
  'admin.state': call({
    summary: 'Whether a PIN is set, whether this connection is logged in, lockout.',
    admin: false,
    input: noInput,
    output: adminStateSchema,
  }),
  'admin.setupPin': call({
    summary:
      'First run only: create the first administrator account (default name admin) with its PIN or passphrase, and log in.',
    admin: false,
    input: z.strictObject({ pin: secretSchema, account: accountName.optional() }),
    output: adminStateSchema,
  }),
  'admin.login': call({
    summary:
      'Log this connection in to an account (default admin) with its PIN or passphrase; a wrong one counts towards that account’s lockout.',
    admin: false,
    input: z.strictObject({ pin: z.string().max(200), account: z.string().trim().max(40).optional() }),
    output: adminStateSchema,
  }),
  'admin.logout': call({
    summary: 'End this connection’s admin session.',
    admin: false,
    input: noInput,
    output: adminStateSchema,
  }),
  'admin.changePin': call({
    summary: 'Change the PIN (the current one is asked again).',
    admin: true,
    input: z.strictObject({ currentPin: z.string().max(200), newPin: secretSchema }),
    output: adminStateSchema,
  }),

  // Kiosk pairing (docs/app.md, "Threat model") ----------------------------------------------
  'pairing.state': call({
    summary: 'Whether this connection is a paired kiosk.',
    admin: false,
    input: noInput,
    output: pairingStateSchema,
  }),
  'pairing.redeem': call({
    summary: 'A browser kiosk exchanges a one-time pairing code from the admin screen for its device token.',
    admin: false,
    input: z.strictObject({ code: z.string().min(1).max(32) }),
    output: z.object({ token: z.string(), kiosk: pairedKioskSchema }),
  }),
  'pairing.resume': call({
    summary: 'A paired browser kiosk presents its device token on a new connection.',
    admin: false,
    input: z.strictObject({ token: z.string().min(1).max(200) }),
    output: pairingStateSchema,
  }),
  'pairing.create': call({
    summary: 'Make a one-time pairing code (valid 10 minutes) for a browser kiosk with this name.',
    admin: true,
    input: z.strictObject({ name: z.string().trim().min(1).max(100) }),
    output: z.object({ code: z.string(), expiresAt: isoTime }),
  }),
  'pairing.list': call({
    summary: 'The paired browser kiosks, with their names and last use.',
    admin: true,
    input: noInput,
    output: z.object({ kiosks: z.array(pairedKioskSchema) }),
  }),
  'pairing.revoke': call({
    summary: 'Unpair a browser kiosk: its token stops working at once (audited).',
    admin: true,
    input: z.strictObject({ id: z.string().min(1).max(100) }),
    output: z.object({ removed: z.boolean() }),
  }),

  // People and enrolment ----------------------------------------------------------------------
  'people.list': call({
    summary: 'People, filtered by a search over name and employee code, group, active flag.',
    admin: true,
    input: z
      .strictObject({
        search: z.string().max(200).optional(),
        group: z.string().max(100).optional(),
        active: z.boolean().optional(),
        limit: z.int().min(1).max(10_000).default(500),
        offset: z.int().min(0).default(0),
      })
      .prefault({}),
    output: z.object({ people: z.array(personSchema), total: z.int().nonnegative() }),
  }),
  'people.get': call({
    summary: 'One person with their templates.',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ person: personSchema, templates: z.array(templateInfoSchema) }),
  }),
  'people.create': call({
    summary: 'Add a person (enrol faces afterwards).',
    admin: true,
    input: z.strictObject({
      name: personFields.name,
      employeeCode: personFields.employeeCode.optional(),
      group: personFields.group.optional(),
      active: personFields.active.default(true),
      notes: personFields.notes.default(''),
    }),
    output: personSchema,
  }),
  'people.update': call({
    summary: 'Change a person’s details; only the fields given change.',
    admin: true,
    input: z.strictObject({
      id,
      name: personFields.name.optional(),
      employeeCode: personFields.employeeCode.optional(),
      group: personFields.group.optional(),
      active: personFields.active.optional(),
      notes: personFields.notes.optional(),
    }),
    output: personSchema,
  }),
  'people.delete': call({
    summary:
      'Erase a person: templates and face crops are removed; their events are deleted or anonymised per the erasure setting.',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({
      id,
      templatesDeleted: z.int().nonnegative(),
      events: z.enum(['deleted', 'anonymised']),
      eventsAffected: z.int().nonnegative(),
    }),
  }),
  'people.deleteTemplate': call({
    summary: 'Remove one enrolled face of a person.',
    admin: true,
    input: z.strictObject({ personId: id, templateId: id }),
    output: z.object({ removed: z.boolean() }),
  }),
  'people.thumbnail': call({
    summary: 'A small JPEG of the person’s face (their first template’s aligned crop), or null.',
    admin: true,
    input: z.strictObject({ id, templateId: id.optional() }),
    output: z.object({ mime: z.literal('image/jpeg'), data: bytesSchema }).nullable(),
  }),
  'enrol.check': call({
    summary:
      'Quality guidance for a camera frame (too small, blurry, not frontal, several faces); stores nothing.',
    admin: true,
    input: z.strictObject({ frame: frameSchema }),
    output: qualityReportSchema,
  }),
  'enrol.fromFrame': call({
    summary: 'Enrol the main face of a camera frame for a person, if it passes the quality gates.',
    admin: true,
    input: z.strictObject({ personId: id, frame: frameSchema, force: z.boolean().default(false) }),
    output: enrolResultSchema,
  }),
  'enrol.fromPhoto': call({
    summary: 'Enrol the face in a photo file (JPEG, PNG, WebP bytes) for a person.',
    admin: true,
    input: z.strictObject({
      personId: id,
      fileName: z.string().min(1).max(500),
      data: bytesSchema.refine((d) => d.byteLength > 0 && d.byteLength <= maxPhotoBytes, {
        message: `a photo must be between 1 byte and ${maxPhotoBytes / 1024 / 1024} MB`,
      }),
      force: z.boolean().default(false),
    }),
    output: enrolResultSchema,
  }),

  // Attendance and reports --------------------------------------------------------------------
  'events.query': call({
    summary: 'Attendance and access events, newest first.',
    admin: true,
    input: z
      .strictObject({
        ...eventFilter,
        limit: z.int().min(1).max(10_000).default(500),
        offset: z.int().min(0).default(0),
      })
      .prefault({}),
    output: z.object({ events: z.array(attendanceEventSchema), total: z.int().nonnegative() }),
  }),
  'events.exportCsv': call({
    summary: 'The events as CSV that Excel opens (UTF-8, optional BOM, ISO times).',
    admin: true,
    input: z.strictObject({ ...eventFilter, bom: z.boolean().default(true) }).prefault({}),
    output: csvFileSchema,
  }),
  'reports.daily': call({
    summary: 'Per day and person: first in, last out, time present, late minutes; plus a range summary.',
    admin: true,
    input: z.strictObject(reportFilter),
    output: attendanceReportSchema,
  }),
  'reports.exportCsv': call({
    summary: 'The daily report as CSV.',
    admin: true,
    input: z.strictObject({ ...reportFilter, bom: z.boolean().default(true) }),
    output: csvFileSchema,
  }),
  'audit.query': call({
    summary: 'The audit log of admin changes, newest first.',
    admin: true,
    input: z
      .strictObject({
        from: dayOrTime.optional(),
        to: dayOrTime.optional(),
        limit: z.int().min(1).max(10_000).default(500),
        offset: z.int().min(0).default(0),
      })
      .prefault({}),
    output: z.object({ entries: z.array(auditEntrySchema), total: z.int().nonnegative() }),
  }),

  // Settings ----------------------------------------------------------------------------------
  'settings.get': call({
    summary: 'Every setting, validated, with defaults filled in.',
    admin: true,
    input: noInput,
    output: settingsSchema,
  }),
  'settings.set': call({
    summary: 'Change some settings; the result is validated as a whole before anything is saved.',
    admin: true,
    input: z.strictObject({ patch: settingsPatchSchema }),
    output: settingsSchema,
  }),
  'recognition.calibrate': call({
    summary: 'Suggest a match threshold from the gallery’s own genuine and impostor scores.',
    admin: true,
    input: z.strictObject({ targetFar: z.number().gt(0).lt(1).default(1e-3) }).prefault({}),
    output: calibrationResultSchema.extend({
      /** The threshold in use now (the setting, or the pack's when the setting is empty). */
      currentThreshold: z.number(),
    }),
  }),

  // Door --------------------------------------------------------------------------------------
  'door.status': call({
    summary: 'Whether the door is enabled, and its relay’s state.',
    admin: true,
    input: noInput,
    output: doorInfoSchema,
  }),
  'door.open': call({
    summary: 'Manual open for a number of seconds (audited).',
    admin: true,
    input: z.strictObject({ seconds: z.number().min(0.2).max(255).optional() }).prefault({}),
    output: pulseResultSchema.extend({ message: z.string() }),
  }),
  'door.test': call({
    summary: 'Pulse a relay with the given (unsaved) settings, or the saved ones, and report each state.',
    admin: true,
    input: z
      .strictObject({
        relay: relaySettingsSchema.optional(),
        pulseMs: z.int().min(200).max(10_000).default(500),
      })
      .prefault({}),
    output: z.object({
      /** True only for 'verified': a board answered. */
      ok: z.boolean(),
      outcome: z.enum(doorTestOutcomes),
      /** The port is built into the computer (/dev/ttyS0): likely nothing is attached. */
      builtInPort: z.boolean(),
      message: z.string(),
      states: z.array(doorStateChangeSchema),
    }),
  }),
  // Front desk: the admin start page ------------------------------------------------------------
  'attendance.today': call({
    summary: 'Today at a glance: who is in now, first arrivals per hour, spoof attempts and strangers.',
    admin: true,
    input: noInput,
    output: todaySummarySchema,
  }),
  'recognition.tryPhoto': call({
    summary: 'What the kiosk would decide for a photo, and why (nothing is opened or logged).',
    admin: true,
    input: z.strictObject({
      fileName: z.string().min(1).max(500),
      data: bytesSchema.refine((d) => d.byteLength > 0 && d.byteLength <= maxPhotoBytes, {
        message: `a photo must be between 1 byte and ${maxPhotoBytes / 1024 / 1024} MB`,
      }),
    }),
    output: z.object({
      /** Faces found (the decision is about the largest). */
      faces: z.int().nonnegative(),
      kind: z.enum(decisionKinds),
      reason: accessReason.nullable(),
      /** Whom the main face matched (threshold and margin passed), else null. */
      person: personRefSchema.nullable(),
      /** The best similarity against the gallery, even below the threshold. */
      similarity: score.nullable(),
      threshold: z.number(),
      liveness: livenessSchema.nullable(),
      livenessRequired: z.boolean(),
      livenessThreshold: z.number().nullable(),
    }),
  }),
  // Alarms (front desk) -------------------------------------------------------------------------
  'alarms.list': call({
    summary: 'The open alarms: door faults, a relay board that stopped working, spoof attempts.',
    admin: true,
    input: noInput,
    output: z.object({ alarms: z.array(alarmSchema) }),
  }),
  'alarms.dismiss': call({
    summary: 'Close one alarm (or all of them without an id).',
    admin: true,
    input: z.strictObject({ id: id.optional() }).prefault({}),
    output: z.object({ alarms: z.array(alarmSchema) }),
  }),
  'door.ports': call({
    summary: 'Serial ports on this machine, for the port picker.',
    admin: true,
    input: noInput,
    output: z.object({ ports: z.array(serialPortInfoSchema) }),
  }),

  // Event snapshots (front desk; administrators only: viewers may not see faces) ---------------
  'events.snapshot': call({
    summary: 'The face crop kept at an event (a small JPEG), or null when none was kept.',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ mime: z.literal('image/jpeg'), data: bytesSchema }).nullable(),
  }),
  'events.snapshotIds': call({
    summary: 'Which of these events have a face crop kept.',
    admin: true,
    input: z.strictObject({ ids: z.array(id).max(10_000) }),
    output: z.object({ ids: z.array(id) }),
  }),

  // Roster import (front desk): a CSV of people and a folder of photos --------------------------
  'roster.preview': call({
    summary:
      'What importing a roster would do, row by row (add, update, skip and why; photo found), writing nothing.',
    admin: true,
    input: z.strictObject({
      // Larger files are refused with a sentence by the plan, not by the schema.
      csv: bytesSchema.refine((d) => d.byteLength <= 2 * rosterLimits.maxBytes, {
        message: `a roster must be at most ${rosterLimits.maxBytes / 1024 / 1024} MB`,
      }),
      /** The file names of the photos chosen with it. */
      photos: z.array(z.string().max(255)).max(rosterLimits.maxRows * 2),
    }),
    output: rosterPlanSchema,
  }),
  'roster.importRow': call({
    summary:
      'Write one roster row (the person added or updated) and enrol its photo; the result says what happened in words.',
    admin: true,
    input: z.strictObject({
      row: rosterRowInputSchema,
      photo: z
        .strictObject({
          fileName: z.string().min(1).max(500),
          data: bytesSchema.refine((d) => d.byteLength > 0 && d.byteLength <= maxPhotoBytes, {
            message: `a photo must be between 1 byte and ${maxPhotoBytes / 1024 / 1024} MB`,
          }),
        })
        .nullable(),
    }),
    output: rosterRowResultSchema,
  }),

  // Models ------------------------------------------------------------------------------------
  'models.list': call({
    summary: 'Every model pack of the catalog: available here or not, licence, threshold.',
    admin: true,
    input: noInput,
    output: z.object({ packs: z.array(packInfoSchema), searchPath: z.array(z.string()) }),
  }),
  'models.active': call({
    summary: 'The pack in use, its models and licences, and the execution provider.',
    admin: true,
    input: noInput,
    output: activeModelsSchema.nullable(),
  }),

  // Model download (src/core/models/download.ts) ------------------------------------------------
  'models.licences': call({
    summary: "A pack's model licences, shown before its download; non-commercial ones must be accepted.",
    admin: true,
    input: z.strictObject({ pack: z.string().min(1).max(64) }),
    output: z.object({
      pack: z.string(),
      needsAcceptance: z.boolean(),
      licences: z.array(
        z.object({
          model: z.string(),
          title: z.string(),
          name: z.string(),
          commercialUse: z.boolean(),
          notes: z.string().optional(),
        }),
      ),
    }),
  }),
  'models.download': call({
    summary:
      "Downloads a pack into the user's model folder (HTTPS, resumed, sha256-checked); progress as job.progress.",
    admin: true,
    input: z.strictObject({ pack: z.string().min(1).max(64), acceptLicence: z.boolean().default(false) }),
    output: z.object({
      pack: z.string(),
      files: z.array(
        z.object({ model: z.string(), status: z.enum(['downloaded', 'present']), bytes: z.int() }),
      ),
    }),
  }),

  // Integrations: webhooks, MQTT, REST API keys (./integrations) -------------------------------
  ...integrationCalls,

  // Access rules and admin accounts (docs/access.md) ------------------------------------------
  'groups.list': call({
    summary: 'The access groups: doors, schedule, credential mode, members.',
    admin: true,
    input: noInput,
    output: z.object({ groups: z.array(accessGroupSchema) }),
  }),
  'groups.save': call({
    summary: 'Create an access group, or change group `id` (audited).',
    admin: true,
    input: z.strictObject({ id: id.optional(), ...accessGroupInputSchema.shape }),
    output: accessGroupSchema,
  }),
  'groups.delete': call({
    summary: 'Delete an access group; its members leave it (audited).',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  }),
  'schedules.list': call({
    summary: 'The weekly schedules and the holidays.',
    admin: true,
    input: noInput,
    output: z.object({ schedules: z.array(scheduleSchema), holidays: z.array(holidaySchema) }),
  }),
  'schedules.save': call({
    summary: 'Create a weekly schedule, or replace schedule `id` (audited).',
    admin: true,
    input: z.strictObject({ id: id.optional(), ...scheduleInputSchema.shape }),
    output: scheduleSchema,
  }),
  'schedules.delete': call({
    summary: 'Delete a schedule no group uses (audited).',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  }),
  'schedules.saveHoliday': call({
    summary: 'Add a holiday, or rename the one on that date (audited).',
    admin: true,
    input: z.strictObject(holidayInputSchema.shape),
    output: holidaySchema,
  }),
  'schedules.deleteHoliday': call({
    summary: 'Remove a holiday (audited).',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  }),
  'access.person': call({
    summary: 'A person’s access groups and validity period, and what the rules say for them now.',
    admin: true,
    input: z.strictObject({
      personId: id,
      at: isoTime.optional(),
      door: z.string().min(1).max(50).optional(),
    }),
    output: personAccessSchema.extend({ now: ruleVerdictSchema }),
  }),
  'access.setPerson': call({
    summary: 'Change a person’s groups (replaced as a whole) and/or validity period (audited).',
    admin: true,
    input: z.strictObject({
      personId: id,
      groupIds: z.array(id).max(100).optional(),
      validFrom: isoTime.nullable().optional(),
      validUntil: isoTime.nullable().optional(),
    }),
    output: personAccessSchema,
  }),
  'accounts.list': call({
    summary: 'The admin accounts and their roles (never their secrets).',
    admin: true,
    input: noInput,
    output: z.object({ accounts: z.array(accountSchema) }),
  }),
  'accounts.create': call({
    summary: 'Add an admin account with a role and its own PIN or passphrase (audited).',
    admin: true,
    input: z.strictObject({
      name: accountName,
      role: z.enum(roles),
      secret: secretSchema,
    }),
    output: accountSchema,
  }),
  'accounts.update': call({
    summary: 'Change an account’s role, disable it or set a new secret; its sessions end (audited).',
    admin: true,
    input: z.strictObject({
      id,
      role: z.enum(roles).optional(),
      disabled: z.boolean().optional(),
      secret: secretSchema.optional(),
    }),
    output: accountSchema,
  }),
  'accounts.delete': call({
    summary: 'Delete an account (never the last administrator); its sessions end (audited).',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  }),

  // Kiosk credentials and anti-passback (issue 15, docs/access.md) -----------------------------
  'credentials.present': call({
    summary:
      'A PIN (after the face, or alone) or a badge at the kiosk; the rules decide as for a face. Wrong ones count towards a lockout.',
    admin: false,
    kiosk: true,
    input: presentCredentialSchema,
    output: accessDecisionSchema,
  }),
  'people.credentials': call({
    summary: 'Whether a person has a kiosk PIN and a duress PIN, and their badge number.',
    admin: true,
    input: z.strictObject({ personId: id }),
    output: personCredentialsSchema,
  }),
  'people.setCredentials': call({
    summary: 'Set or remove a person’s kiosk PIN, duress PIN or badge (audited; the PINs are hashed).',
    admin: true,
    input: setPersonCredentialsSchema,
    output: personCredentialsSchema,
  }),
  'passback.reset': call({
    summary: 'Anti-passback: count one person (or everyone) as outside again (audited).',
    admin: true,
    input: z.strictObject({ personId: id.optional() }),
    output: z.object({ reset: z.int().nonnegative() }),
  }),
} as const;

// ---------------------------------------------------------------------------------------------
// Types derived from the contract

export type Contract = typeof contract;
export type CallName = keyof Contract;
export const callNames = Object.keys(contract) as CallName[];

/** What a caller passes (defaults not yet applied). */
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>;
/** What the service receives after parsing (defaults applied). */
export type CallArgs<N extends CallName> = z.output<Contract[N]['input']>;
export type CallResult<N extends CallName> = z.output<Contract[N]['output']>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

export function isAdminCall(name: CallName): boolean {
  return contract[name].admin;
}

export function isKioskCall(name: CallName): boolean {
  return (contract[name] as CallSpec).kiosk === true;
}

type GroupOf<N extends string> = N extends `${infer G}.${string}` ? G : never;
type MethodOf<N extends string, G extends string> = N extends `${G}.${infer M}` ? M : never;
type CallFunction<N extends CallName> =
  undefined extends CallInput<N>
    ? (input?: CallInput<N>) => Promise<CallResult<N>>
    : (input: CallInput<N>) => Promise<CallResult<N>>;

/**
 * `window.facegate`: one async function per call, grouped by the name's prefix
 * (`people.list` -> `facegate.people.list(input)`), and `on(event, listener)` for pushed events,
 * which returns a function that unsubscribes. Calls reject with an ErrorInfo-shaped value.
 */
export type FaceGateApi = {
  [G in GroupOf<CallName>]: { [M in MethodOf<CallName, G>]: CallFunction<Extract<`${G}.${M}`, CallName>> };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Split a call name into the API's group and method ('people.list' -> ['people', 'list']). */
export function splitCallName(name: CallName): [group: string, method: string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** A readable one-line account of why an input was refused, naming the call and the fields. */
export function describeIssues(name: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'input';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `Invalid input for ${name}: ${parts.join('; ')}${more}.`;
}

// ---------------------------------------------------------------------------------------------
// Building window.facegate from a transport

/** Sends one call; resolves with its result or rejects with an ErrorInfo-shaped value. */
export type Invoke = (name: CallName, input: unknown) => Promise<unknown>;
/** Registers a listener for one event; returns the function that removes it. */
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * The object behind `window.facegate`, with one function per contract call. The Electron
 * preload and the WebSocket client both build it here, so the two cannot differ in shape.
 * Plain functions and objects only: it must survive Electron's contextBridge.
 */
export function createFaceGateApi(invoke: Invoke, subscribe: Subscribe): FaceGateApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of callNames) {
    const [group, method] = splitCallName(name);
    api[group] ??= {};
    api[group][method] = (input?: unknown) => invoke(name, input);
  }
  const on = (event: EventName, listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('facegate.on needs a listener function');
    return subscribe(event, listener);
  };
  return { ...api, on } as unknown as FaceGateApi;
}

/** Electron IPC channels: calls (invoke; the reply is an IpcReply) and pushed events (name, payload). */
export const ipcChannels = { call: 'facegate:call', event: 'facegate:event' } as const;

/** What the main process answers to an invoke: errors travel as data, because Electron keeps only an Error's message. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };
