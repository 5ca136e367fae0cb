import { z } from 'zod';
import { alarmSchema } from './alarms';
import { attendanceEventSchema } from './attendance';
import { accessDecisionSchema, id, statusSchema } from './contract';
import { doorStateChangeSchema } from './door';
import { settingsSections } from './settings';

/**
 * Every event the app pushes to the UI. `admin` events reach only connections with an admin
 * session (they name people or reveal settings); `kiosk` events reach paired kiosks and admin
 * sessions; the others reach every window and browser.
 */

export interface EventSpec<P extends z.ZodType = z.ZodType> {
  payload: P;
  admin: boolean;
  /** Reaches only paired kiosks and admin sessions (decisions name people). */
  kiosk?: boolean;
  summary: string;
}
const event = <P extends z.ZodType>(spec: EventSpec<P>) => spec;

export const jobKinds = ['models.load', 'reembed', 'import', 'models.download'] as const;

export const events = {
  'door.state': event({
    summary: 'The door relay changed state (locked, unlocked until, disconnected, fault).',
    admin: false,
    payload: doorStateChangeSchema,
  }),
  'access.decision': event({
    summary: 'The access policy reached a decision (also returned by the frame that caused it).',
    admin: false,
    kiosk: true,
    payload: accessDecisionSchema,
  }),
  'status.changed': event({
    summary: 'Some part of the status changed (models loaded, relay unplugged, camera lost...).',
    admin: false,
    payload: statusSchema,
  }),
  'settings.changed': event({
    summary: 'Settings were saved; the sections that changed (the kiosk re-reads kiosk.config).',
    admin: false,
    payload: z.object({ sections: z.array(z.enum(settingsSections)) }),
  }),
  'attendance.recorded': event({
    summary: 'An attendance or access event was written to the log.',
    admin: true,
    payload: attendanceEventSchema,
  }),
  'people.changed': event({
    summary: 'A person was created, edited, deleted or (un)enrolled.',
    admin: true,
    payload: z.object({
      id,
      change: z.enum(['created', 'updated', 'deleted', 'enrolled', 'template_deleted']),
    }),
  }),
  'alarms.changed': event({
    summary: 'An alarm was raised or dismissed; the open ones.',
    admin: true,
    payload: z.object({ alarms: z.array(alarmSchema) }),
  }),
  'alarm.raised': event({
    summary: 'One alarm raised (or repeated): duress, door held open or forced, door fault, spoof.',
    admin: true,
    payload: alarmSchema,
  }),
  'job.progress': event({
    summary: 'Progress of a long job (loading models, re-embedding the gallery).',
    admin: true,
    payload: z.object({
      job: z.string(),
      kind: z.enum(jobKinds),
      done: z.int().nonnegative(),
      total: z.int().nonnegative(),
      finished: z.boolean(),
      message: z.string(),
      error: z.string().nullable(),
    }),
  }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;
export const eventNames = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
