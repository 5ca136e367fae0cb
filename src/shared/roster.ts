import { z } from 'zod';
import { personRefSchema, personTextFields, qualityIssueCodes, templateInfoSchema } from './people';

/**
 * Bulk import from a roster (docs/ui.md, "Import a roster"): the rows of a CSV, the plan that is
 * shown before anything is written, and each row's result. Problems carry a code (the screen words
 * them from the dictionary), the values to fill in, and an English sentence for the CLI.
 */

export const rosterLimits = {
  /** A roster file larger than this is refused (5 MB is tens of thousands of people). */
  maxBytes: 5 * 1024 * 1024,
  maxRows: 10_000,
} as const;

const params = z.record(z.string(), z.union([z.string(), z.number()]));

export const rosterFileProblemCodes = [
  'too_large',
  'not_text',
  'not_utf8',
  'empty',
  'unclosed_quote',
  'missing_column',
  'too_many_rows',
] as const;
export const rosterFileProblemSchema = z.object({
  code: z.enum(rosterFileProblemCodes),
  message: z.string(),
  params,
});
export type RosterFileProblem = z.infer<typeof rosterFileProblemSchema>;

/** Why a row is skipped, or a note about it; a refused photo carries its quality gate's code. */
export const rosterProblemCodes = [
  'no_name',
  'bad_name',
  'bad_code',
  'bad_group',
  'bad_photo_name',
  'extra_fields',
  'duplicate_code',
  'duplicate_photo',
  'duplicate_name',
  'ambiguous_name',
  'name_differs',
  'unknown_group',
  'photo_missing',
  'matched_other',
  'unreadable',
  'refused',
] as const;
export const rosterProblemSchema = z.object({
  code: z.enum([...rosterProblemCodes, ...qualityIssueCodes]),
  message: z.string(),
  params,
});
export type RosterProblem = z.infer<typeof rosterProblemSchema>;

export const rosterRowSchema = z.object({
  /** The line of the roster file the row starts on. */
  line: z.int().positive(),
  name: z.string(),
  employeeCode: z.string().nullable(),
  groups: z.array(z.string()),
  /** A file name in the photo folder, or null. */
  photo: z.string().nullable(),
});
export type RosterRow = z.infer<typeof rosterRowSchema>;

/** A row as the admin page sends it back to be written (checked again like any person's details). */
export const rosterRowInputSchema = z.strictObject({
  line: z.int().positive(),
  name: personTextFields.name,
  employeeCode: personTextFields.employeeCode.nullable(),
  groups: z.array(personTextFields.group).max(20),
  photo: z.string().min(1).max(255).nullable(),
});

export const rosterPlanRowSchema = rosterRowSchema.extend({
  action: z.enum(['create', 'update', 'skip']),
  /** The person the row updates. */
  person: personRefSchema.nullable(),
  /** Whether the photo named is there (null: the row names none). */
  photoFound: z.boolean().nullable(),
  /** Why the row is skipped (blocking) and notes (not blocking). */
  problems: z.array(rosterProblemSchema),
  blocking: z.boolean(),
});
export type RosterPlanRow = z.infer<typeof rosterPlanRowSchema>;

const column = z.string().nullable();
export const rosterPlanSchema = z.object({
  /** False when the file itself cannot be used (see errors); rows are then empty. */
  ok: z.boolean(),
  encoding: z.enum(['utf-8', 'utf-16le', 'utf-16be']),
  delimiter: z.enum([',', ';', '\t']),
  /** The header each field was read from (null: the roster has no such column). */
  columns: z.object({ name: column, employeeCode: column, groups: column, photo: column }),
  ignoredColumns: z.array(z.string()),
  errors: z.array(rosterFileProblemSchema),
  rows: z.array(rosterPlanRowSchema),
  counts: z.object({
    rows: z.int().nonnegative(),
    create: z.int().nonnegative(),
    update: z.int().nonnegative(),
    skip: z.int().nonnegative(),
    /** Rows to write whose photo is there. */
    photos: z.int().nonnegative(),
  }),
});
export type RosterPlan = z.infer<typeof rosterPlanSchema>;

export const rosterOutcomes = [
  /** The person's details were written and the photo enrolled. */
  'enrolled',
  /** Details written, no photo (none given, or not found). */
  'added',
  'updated',
  /** Details written; the photo was refused (quality, unreadable). */
  'photo_refused',
  /** Details written; the photo's face is someone else's (refused). */
  'matched_other',
  /** Details written; this very photo was imported before. */
  'already_imported',
  /** Nothing written (see problem). */
  'skipped',
] as const;
export type RosterOutcome = (typeof rosterOutcomes)[number];

export const rosterRowResultSchema = z.object({
  line: z.int().positive(),
  name: z.string(),
  outcome: z.enum(rosterOutcomes),
  person: personRefSchema.nullable(),
  /** The template enrolled from the photo (for its thumbnail). */
  template: templateInfoSchema.nullable(),
  /** Whose face the photo matched, when it was someone else's. */
  duplicateOf: personRefSchema.extend({ similarity: z.number() }).nullable(),
  problem: rosterProblemSchema.nullable(),
  /** The person was created by this row. */
  created: z.boolean().optional(),
});
export type RosterRowResult = z.infer<typeof rosterRowResultSchema>;
