import { randomUUID } from 'node:crypto';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';
import { LocalReplica, type KioskIdentity } from './local-replica';
import type { KioskInfo, SiteStore } from './site-store';

/**
 * Makes a kiosk's local database a member of the site: registers the kiosk (id, name, door) in
 * the site database and marks the local file as that site's copy. Joining again with the same
 * id renames the kiosk or moves it to another door.
 */
export async function joinSite(
  store: SiteStore,
  gallery: Gallery,
  kiosk: { id?: string; name: string; door?: string; version: string },
): Promise<{ kiosk: KioskInfo; siteId: string; siteName: string }> {
  await store.requireSchema();
  const site = await store.siteInfo();
  if (!site) {
    throw new FaceGateError('DATABASE', 'The site database has no site yet: run `facegate site init` first.');
  }
  const replica = new LocalReplica(gallery);
  const identity: KioskIdentity = {
    kioskId: kiosk.id ?? replica.identity()?.kioskId ?? randomUUID(),
    name: kiosk.name,
    door: kiosk.door ?? '',
  };
  // Local first: a file that cannot be a copy of this site is refused before the site hears of it.
  replica.join(identity, site.id, site.name);
  const info = await store.joinKiosk({
    id: identity.kioskId,
    name: identity.name,
    door: identity.door,
    version: kiosk.version,
  });
  return { kiosk: info, siteId: site.id, siteName: site.name };
}
