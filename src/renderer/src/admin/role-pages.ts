import type { Role } from '../../../shared/roles';
import { adminPages, type AdminPage } from '../lib/routes';

/**
 * The admin pages each role sees (the service checks every call by role anyway: src/shared/roles.ts;
 * this only keeps a viewer from landing on pages that would refuse them).
 */
// An administrator sees every admin page, so a page added to the routes is never hidden from them.
const pages: Record<Role, readonly AdminPage[]> = {
  administrator: adminPages,
  viewer: ['attendance', 'report', 'security'],
  enroller: ['people', 'import', 'security'],
};

export function pagesFor(role: Role | null | undefined): readonly AdminPage[] {
  return pages[role ?? 'administrator'];
}
