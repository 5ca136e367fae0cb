/**
 * The hash routes: `#/kiosk` and `#/admin/<page>[/<id>]`. Parsing is pure (unit-tested); the
 * reactive current route lives in router.svelte.ts.
 */

export const adminPages = [
  'home',
  'people',
  'import',
  'attendance',
  'report',
  'door',
  'recognition',
  'status',
  'camera',
  'try',
  'security',
  'integrations',
  'kiosks',
  'access',
  'accounts',
] as const;
export type AdminPage = (typeof adminPages)[number];

export type Route =
  { screen: 'kiosk' } | { screen: 'admin'; page: AdminPage; id: number | null; isNew: boolean };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'admin') return { screen: 'kiosk' };
  // The start page (today, alarms, health) when no page or an unknown one is named.
  const page = adminPages.includes(parts[1] as AdminPage) ? (parts[1] as AdminPage) : 'home';
  const raw = parts[2];
  const id = raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : null;
  return { screen: 'admin', page, id, isNew: raw === 'new' };
}

export function routeHash(route: Route): string {
  if (route.screen === 'kiosk') return '#/kiosk';
  const tail = route.isNew ? '/new' : route.id !== null ? `/${route.id}` : '';
  return `#/admin/${route.page}${tail}`;
}
