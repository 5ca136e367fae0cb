import type { CallName } from '../shared/contract';

/**
 * The REST API (docs/integrations.md): each route is one contract call, reached with an API key
 * whose scopes grant it. Inputs are the call's own zod input (from the path, the query or a JSON
 * body); results are the call's own output. The OpenAPI document is generated from this table
 * and the contract's schemas (./openapi.ts), so the two cannot drift apart.
 */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI-style path; `{id}` is a positive integer put into the input as `pathKey`. */
  path: string;
  call: CallName;
  /** Where the input comes from besides the path. */
  input: 'query' | 'json' | 'photo' | 'none';
  /** The input key the path's `{id}` fills (default `id`). */
  pathKey?: string;
  /** The result as CSV text (the call returns { fileName, csv }). */
  csv?: boolean;
}

export const restPrefix = '/api/v1';
export const openApiPath = '/api/openapi.json';

export const restRoutes: readonly RestRoute[] = [
  { method: 'GET', path: '/status', call: 'status.get', input: 'none' },
  { method: 'GET', path: '/people', call: 'people.list', input: 'query' },
  { method: 'POST', path: '/people', call: 'people.create', input: 'json' },
  { method: 'GET', path: '/people/{id}', call: 'people.get', input: 'none' },
  { method: 'PATCH', path: '/people/{id}', call: 'people.update', input: 'json' },
  { method: 'DELETE', path: '/people/{id}', call: 'people.delete', input: 'none' },
  {
    method: 'POST',
    path: '/people/{id}/photos',
    call: 'enrol.fromPhoto',
    input: 'photo',
    pathKey: 'personId',
  },
  { method: 'GET', path: '/events', call: 'events.query', input: 'query' },
  { method: 'GET', path: '/events.csv', call: 'events.exportCsv', input: 'query', csv: true },
  { method: 'GET', path: '/reports/daily', call: 'reports.daily', input: 'query' },
  { method: 'GET', path: '/reports/daily.csv', call: 'reports.exportCsv', input: 'query', csv: true },
  { method: 'POST', path: '/door/open', call: 'door.open', input: 'json' },
];

/** The route for a method and path, with the path's id (undefined: no such route). */
export function matchRoute(
  method: string,
  pathname: string,
): { route: RestRoute; id: string | undefined } | { allowed: string[] } | undefined {
  if (!pathname.startsWith(`${restPrefix}/`)) return undefined;
  const rest = pathname.slice(restPrefix.length);
  const allowed: string[] = [];
  for (const route of restRoutes) {
    const pattern = new RegExp(`^${route.path.replace('.', '\\.').replace('{id}', '([^/]+)')}$`);
    const match = pattern.exec(rest);
    if (!match) continue;
    if (route.method === method) return { route, id: match[1] };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
