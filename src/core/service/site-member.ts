import type { Status } from '../../shared/contract';
import type { ErasurePolicy } from '../../shared/attendance';
import type { PersonUpdate } from '../../shared/people';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';
import { KioskSync, redactUrl } from '../site';

/**
 * This process as a kiosk of a site (FACEGATE_DATABASE_URL set, `facegate site join` done): the
 * sync that keeps the local copy and index in step with the site, and the admin changes that
 * must be made in the site database rather than in the local copy.
 */
export class SiteMember {
  private constructor(
    readonly sync: KioskSync,
    readonly siteName: string,
    private readonly gallery: Gallery,
  ) {}

  static start(url: string, gallery: Gallery, version: string, onStatus: () => void): SiteMember {
    let stopped = false;
    const changed = () => {
      if (!stopped) onStatus();
    };
    const sync = new KioskSync({ url, gallery, version, onOnline: changed, onChange: changed });
    const identity = sync.replica.identity();
    if (!identity) {
      void sync.stop();
      throw new FaceGateError(
        'INVALID_INPUT',
        `FACEGATE_DATABASE_URL names a site (${redactUrl(url)}) but ${gallery.db.file} has not joined it: ` +
          'run `facegate site join --name NAME --db FILE` first (docs/site.md).',
      );
    }
    const siteName = sync.replica.state('site_name') ?? 'site';
    gallery.markSiteCopy(siteName);
    sync.start();
    const member = new SiteMember(sync, siteName, gallery);
    member.silence = () => (stopped = true);
    return member;
  }

  /** Stops announcing status changes (set by start). */
  private silence = () => {};

  stop(): Promise<void> {
    this.silence();
    return this.sync.stop();
  }

  status(): NonNullable<Status['site']> {
    let s: ReturnType<KioskSync['status']>;
    let identity: ReturnType<KioskSync['replica']['identity']>;
    try {
      s = this.sync.status();
      identity = this.sync.replica.identity();
    } catch (error) {
      // The local file is closed or broken: say so rather than fail the whole status.
      return {
        state: 'offline',
        message: (error as Error).message,
        siteName: this.siteName,
        kiosk: '',
        door: '',
        outboxDepth: 0,
        appliedSeq: 0,
        lastContactAt: null,
        clockSkewMs: null,
      };
    }
    return {
      state: s.online ? 'online' : 'offline',
      message: s.online
        ? null
        : `The site database cannot be reached: this kiosk decides from its last copy and keeps ${s.outboxDepth} event(s) to send.`,
      siteName: this.siteName,
      kiosk: identity?.name ?? '',
      door: identity?.door ?? '',
      outboxDepth: s.outboxDepth,
      appliedSeq: s.appliedSeq,
      lastContactAt: s.lastContactAt === null ? null : new Date(s.lastContactAt).toISOString(),
      clockSkewMs: s.clockSkewMs,
    };
  }

  /** A person's fields (deactivation included) changed in the site, then here. */
  async updatePerson(id: number, patch: PersonUpdate, actor: string): Promise<void> {
    await this.sync.store.updatePerson(id, patch);
    await this.sync.catchUp();
    // Audited here; the audit entry travels up to the site with the events.
    this.gallery.audit.record({ action: 'person.update', actor, personId: id, details: { after: patch } });
  }

  /**
   * Erases a person in the site database; returns once it is committed there and every kiosk
   * online has dropped the person (those that did not within 2 s are named in the log).
   */
  async erasePerson(
    id: number,
    policy: ErasurePolicy,
    actor: string,
    log: (line: string) => void,
  ): Promise<{
    id: number;
    templatesDeleted: number;
    events: 'deleted' | 'anonymised';
    eventsAffected: number;
  }> {
    const { seq, ...result } = await this.sync.store.erasePerson(id, policy);
    await this.sync.catchUp();
    const { pending } = await this.sync.store.waitForKiosks(seq, 2000);
    this.gallery.audit.record({
      action: 'person.delete',
      actor,
      personId: id,
      details: {
        templatesDeleted: result.templatesDeleted,
        events: result.events,
        eventsAffected: result.eventsAffected,
      },
    });
    if (pending.length > 0)
      log(`site: kiosks ${pending.join(', ')} have not yet applied the erasure of person ${id}`);
    return result;
  }
}
