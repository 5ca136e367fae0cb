import { z } from 'zod';

/**
 * Alarms an admin should see at a glance (the admin banner and start page): the door failed to
 * open for someone let in, the relay board stopped working, someone held a photo or a screen up
 * to the camera. They stay open until an admin dismisses them; they live in memory (the event log
 * keeps the lasting record: door_opened false, spoof events), so a restart starts with none.
 */
export const alarmKinds = [
  'door_fault',
  'door_down',
  'spoof',
  // A duress PIN was used at the kiosk: the door opened as usual, nobody there was told.
  'duress',
  // Door supervision (docs/door.md): open too long after a grant; opened without a grant.
  'door_held_open',
  'door_forced',
] as const;
export type AlarmKind = (typeof alarmKinds)[number];

export const alarmSchema = z.object({
  id: z.int().positive(),
  kind: z.enum(alarmKinds),
  at: z.iso.datetime({ offset: true }),
  person: z.object({ id: z.int().positive(), name: z.string() }).nullable(),
  /** The technical detail (a port error, a reason code), for the details disclosure. */
  detail: z.string().nullable(),
  /** How many times it happened since it was raised (repeats update one alarm). */
  count: z.int().positive(),
});
export type Alarm = z.infer<typeof alarmSchema>;
