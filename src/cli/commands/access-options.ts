import type { CommandContext } from '../command';
import { stringOption } from '../command';
import { addDays, instantOfLocal, resolveTimeZone } from '../../core/attendance/time-zone';
import { FaceGateError } from '../../core/errors';
import { AccessRulesStore } from '../../core/gallery/access-rules-store';
import type { Gallery } from '../../core/gallery/gallery';
import { storedSection } from '../../core/gallery/stored-settings';
import type { GalleryWrites } from '../../core/gallery/gallery-writes';

/** The site's time zone: the app's attendance setting, else the system's. */
export function siteTimeZone(gallery: Gallery): string {
  const zone = storedSection(gallery.settings, 'attendance').timeZone;
  return resolveTimeZone(typeof zone === 'string' && zone ? zone : null);
}

/**
 * A validity bound from the command line: '' clears it; YYYY-MM-DD is the start of that local day
 * (--valid-from) or the end of it (--valid-until: the pass still works all that day); an ISO time
 * is taken as it is.
 */
export function parseBound(text: string, kind: 'from' | 'until', timeZone: string): number | null {
  const value = text.trim();
  if (value === '') return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return instantOfLocal(kind === 'from' ? value : addDays(value, 1), '00:00', timeZone);
  }
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `--valid-${kind} takes a date (YYYY-MM-DD), a time (2026-05-03T17:00:00Z) or "" to clear, got '${text}'.`,
    );
  }
  return ms;
}

export const accessEditOptions = {
  'valid-from': { type: 'string' },
  'valid-until': { type: 'string' },
  'access-groups': { type: 'string' },
} as const;
export const accessEditHelp = [
  '  --valid-from D        the pass works from this day (YYYY-MM-DD, local) or time (ISO); "" clears',
  '  --valid-until D       the pass works through this day (YYYY-MM-DD) or until this time; "" clears',
  '  --access-groups A,B   the access groups the person is in (names, replaced as a whole; "" for none)',
].join('\n');

/** `people edit ID --valid-until ... --access-groups ...`: applies and audits; false when none was given. */
export async function applyAccessOptions(
  ctx: CommandContext,
  gallery: Gallery,
  personId: number,
  actor: string,
  writes: GalleryWrites,
): Promise<boolean> {
  const from = stringOption(ctx, 'valid-from');
  const until = stringOption(ctx, 'valid-until');
  const groups = stringOption(ctx, 'access-groups');
  if (from === undefined && until === undefined && groups === undefined) return false;
  const store = new AccessRulesStore(gallery.db);
  const zone = siteTimeZone(gallery);
  const before = store.personAccess(personId);
  const change = {
    ...(from !== undefined ? { validFrom: parseBound(from, 'from', zone) } : {}),
    ...(until !== undefined ? { validUntil: parseBound(until, 'until', zone) } : {}),
    ...(groups !== undefined
      ? {
          groupIds: groups
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean)
            .map((g) => store.group(g).id),
        }
      : {}),
  };
  // The file, or a site kiosk's file: made in the site (docs/site.md).
  const after = await writes.setPersonAccess(personId, change);
  gallery.audit.record({ actor, action: 'access.person', personId, details: { before, after } });
  return true;
}
