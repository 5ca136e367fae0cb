import { z } from 'zod';
// Type only: the contract imports this file's schemas, a runtime import back would be a cycle.
import type { CallName } from './contract';

/**
 * Admin accounts and their roles (docs/access.md). Every admin call needs a logged-in account
 * whose role is allowed for it: this table beside the contract is the one place that says which,
 * and the service checks it on every call. A call not listed here is for administrators only, so
 * a new admin call is closed to viewers and enrollers until someone decides otherwise.
 *
 * - administrator: everything.
 * - viewer (attendance viewer): the log, reports and their CSV; reads people's names for the
 *   filters. Nothing that changes people or the door, no face crops, no settings.
 * - enroller: people and their faces (create, edit, enrol, thumbnails), no door, settings or log.
 */
export const roles = ['administrator', 'viewer', 'enroller'] as const;
export type Role = (typeof roles)[number];

export const accountNamePattern = /^[\p{L}\p{N}._-]{1,40}$/u;

export const accountSchema = z.object({
  id: z.int().positive(),
  name: z.string(),
  role: z.enum(roles),
  disabled: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type Account = z.infer<typeof accountSchema>;

const viewer: readonly Role[] = ['administrator', 'viewer'];
const enroller: readonly Role[] = ['administrator', 'enroller'];
const anyRole: readonly Role[] = roles;

/** Admin calls open to more than administrators. */
export const callRoles: Partial<Record<CallName, readonly Role[]>> = {
  // Every account changes its own secret.
  'admin.changePin': anyRole,
  // Names for the log's and the reports' person filter.
  'people.list': anyRole,
  'events.query': viewer,
  'events.exportCsv': viewer,
  'reports.daily': viewer,
  'reports.exportCsv': viewer,
  'people.get': enroller,
  'people.create': enroller,
  'people.update': enroller,
  'people.delete': enroller,
  'people.deleteTemplate': enroller,
  'people.thumbnail': enroller,
  'enrol.check': enroller,
  'enrol.fromFrame': enroller,
  'enrol.fromPhoto': enroller,
  'roster.preview': enroller,
  'roster.importRow': enroller,
};

/** The roles that may make an admin call. */
export function rolesFor(name: CallName): readonly Role[] {
  return callRoles[name] ?? ['administrator'];
}
