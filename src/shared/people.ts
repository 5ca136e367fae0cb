import { z } from 'zod';
import { controlCharacterMessage, isPlainMultilineText, isPlainText } from './plain-text';

/**
 * People, their face templates, enrolment and identification results, as they cross process
 * boundaries (the app contract, CLI --json). Field names match the contract's shapes
 * (src/shared/contract.ts), so results pass through unchanged. Embedding bytes and crops never
 * travel in these types; times are ISO 8601 strings in UTC.
 */

export const templateSources = ['camera', 'photo', 'import'] as const;
export type TemplateSource = (typeof templateSources)[number];

const id = z.int().positive();
const isoTime = z.iso.datetime({ offset: true });

const displayName = z
  .string()
  .trim()
  .min(1, 'A name is required.')
  .max(200, 'A name is at most 200 characters.')
  .refine(isPlainText, `A name ${controlCharacterMessage}.`);
const employeeCode = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isPlainText, `An employee code ${controlCharacterMessage}.`);
const groupName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isPlainText, `A group ${controlCharacterMessage}.`);
const notesText = z
  .string()
  .max(5000)
  .refine(isPlainMultilineText, `Notes ${controlCharacterMessage} other than tab and newline.`);

/** The checks of a person's text fields, one source for the gallery, the contract and the CLI. */
export const personTextFields = { name: displayName, employeeCode, group: groupName, notes: notesText };

export const personRefSchema = z.object({ id, name: z.string() });
export type PersonRef = z.infer<typeof personRefSchema>;

export const personSchema = z.object({
  id,
  name: z.string(),
  /** Unique when set. */
  employeeCode: z.string().nullable(),
  group: z.string().nullable(),
  /** Inactive people are still recognised (and named) but are never let in. */
  active: z.boolean(),
  notes: z.string(),
  /** Number of face templates (all models). */
  templateCount: z.int().nonnegative(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Person = z.infer<typeof personSchema>;

export const personCreateSchema = z.object({
  name: displayName,
  employeeCode: employeeCode.nullish(),
  group: groupName.nullish(),
  active: z.boolean().default(true),
  notes: notesText.default(''),
});
export type PersonCreate = z.input<typeof personCreateSchema>;

export const personUpdateSchema = z
  .object({
    name: displayName,
    employeeCode: employeeCode.nullable(),
    group: groupName.nullable(),
    active: z.boolean(),
    notes: notesText,
  })
  .partial();
export type PersonUpdate = z.infer<typeof personUpdateSchema>;

export const peopleQuerySchema = z.object({
  /** Case-insensitive substring of the name or the employee code. */
  search: z.string().optional(),
  group: z.string().optional(),
  active: z.boolean().optional(),
  limit: z.int().positive().max(100_000).default(1000),
  offset: z.int().nonnegative().default(0),
});
export type PeopleQuery = z.input<typeof peopleQuerySchema>;

/**
 * Quality figures of one face (docs/gallery.md explains each): detector score, distance between
 * the eye centres in source pixels, variance of the Laplacian of the grey aligned crop, head turn
 * and tilt in degrees estimated from the 5 points, and where the nose sits between the eye line
 * (0) and the mouth line (1).
 */
export const faceQualitySchema = z.object({
  detScore: z.number(),
  interEyePx: z.number(),
  sharpness: z.number(),
  yawDegrees: z.number(),
  rollDegrees: z.number(),
  noseHeight: z.number(),
});
export type FaceQuality = z.infer<typeof faceQualitySchema>;

export const templateInfoSchema = z.object({
  id,
  personId: id,
  /** Recognizer model id of the newest embedding (see `models` for all of them). */
  model: z.string(),
  /** Every recognizer model id this template has an embedding for. */
  models: z.array(z.string()),
  source: z.enum(templateSources),
  quality: z.record(z.string(), z.number()),
  /** Where the face came from (file name, camera name), when known. */
  sourceRef: z.string().nullable(),
  hasCrop: z.boolean(),
  createdAt: isoTime,
});
export type TemplateInfo = z.infer<typeof templateInfoSchema>;

/** Why a face is not good enough to enrol: one code per gate. */
export const qualityIssueCodes = [
  'no_face',
  'several_faces',
  'too_small',
  'low_score',
  'blurry',
  'not_frontal',
  'duplicate',
  'unreadable',
  /** A new photo of an existing person does not match that person's own templates. */
  'not_same_person',
  /** The very same photo (same content) is already enrolled. */
  'already_enrolled',
  /** A folder import's photos for one name do not show one person. */
  'names_disagree',
] as const;
export type QualityIssueCode = (typeof qualityIssueCodes)[number];

export const qualityIssueSchema = z.object({
  code: z.enum(qualityIssueCodes),
  /** A sentence for the admin, e.g. "The face is too small: eyes 31 px apart, at least 40 needed." */
  message: z.string(),
});
export type QualityIssue = z.infer<typeof qualityIssueSchema>;

const pointSchema = z.object({ x: z.number(), y: z.number() });
const boxSchema = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

export const qualityReportSchema = z.object({
  /** True when the main face passes every gate. */
  ok: z.boolean(),
  faceCount: z.int().nonnegative(),
  /** The face the gates were applied to. */
  face: z.object({ box: boxSchema, landmarks: z.array(pointSchema).length(5), score: z.number() }).nullable(),
  figures: z.record(z.string(), z.number()),
  issues: z.array(qualityIssueSchema),
  /** Usable but not ideal: the face was (or would be) enrolled with these notes for the admin. */
  notes: z.array(qualityIssueSchema).optional(),
});
export type QualityReport = z.infer<typeof qualityReportSchema>;

export const enrolResultSchema = z.object({
  accepted: z.boolean(),
  template: templateInfoSchema.nullable(),
  quality: qualityReportSchema,
  /** Set when the face already matches another person (refused unless forced). */
  duplicateOf: personRefSchema.extend({ similarity: z.number() }).nullable(),
  /** One sentence for the admin: what happened and what to do. */
  message: z.string(),
});
export type EnrolResult = z.infer<typeof enrolResultSchema>;

export const matchCandidateSchema = z.object({
  personId: id,
  name: z.string(),
  /** Cosine similarity of the person's best template. */
  score: z.number(),
  templateId: id,
});
export type MatchCandidate = z.infer<typeof matchCandidateSchema>;

export const identifyDecisions = ['known', 'unknown', 'no_face'] as const;
export type IdentifyDecision = (typeof identifyDecisions)[number];

export const unknownReasons = ['empty_gallery', 'below_threshold', 'ambiguous'] as const;
export type UnknownReason = (typeof unknownReasons)[number];

export const identifyResultSchema = z.object({
  decision: z.enum(identifyDecisions),
  person: personSchema.nullable(),
  /** Best candidate's similarity (null when there was no face or no candidate). */
  similarity: z.number().nullable(),
  /** Why the answer is unknown. */
  reason: z.enum(unknownReasons).nullable(),
  threshold: z.number(),
  margin: z.number(),
  candidates: z.array(matchCandidateSchema),
});
export type IdentifyResult = z.infer<typeof identifyResultSchema>;

export const operatingPointSchema = z.object({
  threshold: z.number(),
  strangersAccepted: z.number(),
  staffRefused: z.number().nullable(),
  staffRefusedFrom: z.enum(['gallery', 'pack']).nullable(),
});

export const calibrationResultSchema = z.object({
  model: z.string(),
  people: z.int().nonnegative(),
  templates: z.int().nonnegative(),
  genuinePairs: z.int().nonnegative(),
  impostorPairs: z.int().nonnegative(),
  targetFar: z.number(),
  /** The 1:1 rate that keeps 1:N false accepts at targetFar (targetFar / templates). */
  pairFar: z.number(),
  suggestedThreshold: z.number(),
  /**
   * gallery: measured on the impostor tail; extrapolated: the tail extrapolated from the top
   * impostor scores (too few pairs to measure it); pack: the pack's threshold, also the floor.
   */
  source: z.enum(['gallery', 'extrapolated', 'pack']),
  tooSmall: z.boolean(),
  packThreshold: z.number(),
  /** The impostor tail extrapolated to pairFar (exponential over the top tenth of the scores). */
  tailThreshold: z.number().nullable(),
  /** A Gaussian fit of all impostor scores at pairFar, for comparison (it misses lookalikes). */
  gaussianThreshold: z.number().nullable(),
  /** Share of same-person template pairs at or above the suggestion. */
  genuineAcceptRate: z.number().nullable(),
  /** Share of templates whose person's best other template reaches it (how often people are recognised). */
  genuineIdentificationRate: z.number().nullable(),
  /** Both rates (strangers taken for someone, staff refused) at the suggestion and at the current setting. */
  atSuggestion: operatingPointSchema.optional(),
  atCurrent: operatingPointSchema.nullable().optional(),
  /** Set when the suggestion refuses more than a few % of genuine matches by its own estimate. */
  warning: z.string().nullable().optional(),
  message: z.string(),
});
export type CalibrationResult = z.infer<typeof calibrationResultSchema>;
