import { z } from 'zod';

/**
 * Kiosk credentials besides the face (docs/access.md, "PIN and badge"): a personal PIN, a duress
 * PIN (opens as usual and raises a silent `duress` alarm) and a badge number read by a USB
 * keyboard-wedge reader. PINs are stored as scrypt hashes like an admin secret; the badge number
 * as typed (it identifies, it is not a secret: the rules still decide).
 */

/** A personal PIN: 4 to 12 digits (the lockout bounds how fast guesses come: 5, then a doubling wait). */
export const personalPinPattern = /^\d{4,12}$/;
/** A badge number as a keyboard-wedge reader types it: 4 to 32 digits (Enter ends it). */
export const badgePattern = /^\d{4,32}$/;

export function isValidPersonalPin(pin: string): boolean {
  return personalPinPattern.test(pin);
}

/** Wrong PINs or unknown badges allowed per credential before it locks; then it waits, doubling. */
export const credentialLockout = {
  allowance: 5,
  firstLockSeconds: 60,
  maxLockSeconds: 15 * 60,
  /** One failure is forgiven per this long without another. */
  decaySeconds: 5 * 60,
} as const;

const personalPin = z.string().regex(personalPinPattern, 'a PIN is 4 to 12 digits');
const badge = z.string().regex(badgePattern, 'a badge number is 4 to 32 digits');

/** What the kiosk sends: a PIN (after a face, or alone), a badge, or a badge and a PIN. */
export const presentCredentialSchema = z
  .strictObject({
    pin: z
      .string()
      .regex(/^\d{1,12}$/, 'a PIN is digits')
      .optional(),
    badge: z
      .string()
      .regex(/^\d{1,32}$/, 'a badge number is digits')
      .optional(),
  })
  .refine((v) => v.pin !== undefined || v.badge !== undefined, { message: 'a PIN or a badge is needed' });

/** What admin sees of a person's credentials: never the PINs, only whether they are set. */
export const personCredentialsSchema = z.object({
  personId: z.int().positive(),
  pin: z.boolean(),
  duressPin: z.boolean(),
  badge: z.string().nullable(),
});
export type PersonCredentials = z.infer<typeof personCredentialsSchema>;

/** A change: a new value, null to remove, absent to keep. */
export const setPersonCredentialsSchema = z.strictObject({
  personId: z.int().positive(),
  pin: personalPin.nullable().optional(),
  duressPin: personalPin.nullable().optional(),
  badge: badge.nullable().optional(),
});
export type SetPersonCredentials = z.infer<typeof setPersonCredentialsSchema>;
