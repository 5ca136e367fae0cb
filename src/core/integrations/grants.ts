import type { CallName } from '../../shared/contract';
import type { ApiScope } from '../../shared/integrations';
import type { CallerSession } from '../service/session';

/** The admin calls each API key scope allows (docs/integrations.md). */
export const scopeCalls: Record<ApiScope, readonly CallName[]> = {
  'attendance:read': ['events.query', 'events.exportCsv', 'reports.daily', 'reports.exportCsv'],
  'people:manage': [
    'people.list',
    'people.get',
    'people.create',
    'people.update',
    'people.delete',
    'people.deleteTemplate',
    'enrol.fromPhoto',
  ],
  'door:open': ['door.open'],
};

const grants = new WeakMap<CallerSession, ReadonlySet<CallName>>();

/**
 * Lets a session (one REST request, the MQTT door command) make exactly these admin calls
 * without a PIN login. The service checks `isGranted` before it asks for the admin session;
 * everything else about the call (input parsing, audit, errors) is the same as from the UI.
 */
export function grantCalls(session: CallerSession, calls: Iterable<CallName>): CallerSession {
  grants.set(session, new Set(calls));
  return session;
}

export function grantScopes(session: CallerSession, scopes: readonly ApiScope[]): CallerSession {
  return grantCalls(
    session,
    scopes.flatMap((scope) => scopeCalls[scope]),
  );
}

export function isGranted(session: CallerSession, name: CallName): boolean {
  return grants.get(session)?.has(name) === true;
}

/** The scope a call needs through the REST API (undefined: any valid key, e.g. status.get). */
export function scopeFor(name: CallName): ApiScope | undefined {
  return (Object.keys(scopeCalls) as ApiScope[]).find((scope) => scopeCalls[scope].includes(name));
}
