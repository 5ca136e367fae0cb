import { FaceGateError } from '../../core/errors';
import type { Gallery } from '../../core/gallery/gallery';
import { SiteMember } from '../../core/service/site-member';

/**
 * Runs a command's change on a site kiosk's file through the site (docs/site.md): access rules,
 * a person's access, PINs and badges, look-alike pairs are the site's, so they are written there
 * and reach this file and every kiosk through the change feed. A single desk's file: `site` is
 * null and the command writes its file as before. A kiosk's file without FACEGATE_DATABASE_URL is
 * refused (writing the copy would be undone by the next site change and reach no other kiosk).
 */
export async function withSiteWrites<T>(
  gallery: Gallery,
  run: (site: SiteMember | null) => Promise<T>,
  /** False when the command has nothing for the site to do this time. */
  needed = true,
): Promise<T> {
  if (gallery.siteCopy === null || !needed) return run(null);
  const url = process.env.FACEGATE_DATABASE_URL;
  if (!url) {
    throw new FaceGateError(
      'CONFLICT',
      `${gallery.db.file} is a kiosk's copy of the site '${gallery.siteCopy}': this change is made in the site ` +
        'database. Set FACEGATE_DATABASE_URL to it and run the command again (docs/site.md).',
    );
  }
  const site = await SiteMember.attach(url, gallery);
  try {
    return await run(site);
  } finally {
    await site.stop();
  }
}
