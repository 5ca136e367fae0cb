import type { Gallery } from '../../core/gallery/gallery';
import { DeskWrites, type GalleryWrites } from '../../core/gallery/gallery-writes';
import { SiteMember } from '../../core/service/site-member';

/**
 * The admin writes for a command that changes people, faces, access rules, PINs and badges or
 * look-alike pairs (docs/site.md): the file itself, or, for a site kiosk's file with
 * FACEGATE_DATABASE_URL set, the site database, whence the change reaches this file and every
 * kiosk. A kiosk's file without the URL keeps refusing its own changes (Gallery, DeskWrites), with
 * what to do (writing the copy would be undone by the next site change and reach no other kiosk).
 */
export async function withWrites<T>(
  gallery: Gallery,
  run: (writes: GalleryWrites) => Promise<T>,
): Promise<T> {
  const url = process.env.FACEGATE_DATABASE_URL;
  if (!url || gallery.siteCopy === null) return run(new DeskWrites(gallery));
  const site = await SiteMember.attach(url, gallery);
  try {
    return await run(site.writes);
  } finally {
    await site.stop();
  }
}
