import type { Status } from '../../shared/contract';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';
import { KioskSync, redactUrl, SiteWrites } from '../site';

/**
 * This process as a kiosk of a site (FACEGATE_DATABASE_URL set, `facegate site join` done): the
 * sync that keeps the local copy and index in step with the site, and the admin writes
 * (GalleryWrites) that are made in the site database rather than in the local copy.
 */
export class SiteMember {
  /** The admin writes of this kiosk: to the site, back here through the change feed. */
  readonly writes: SiteWrites;

  private constructor(
    readonly sync: KioskSync,
    readonly siteName: string,
    private readonly gallery: Gallery,
  ) {
    this.writes = new SiteWrites(sync, gallery);
  }

  static start(
    url: string,
    gallery: Gallery,
    version: string,
    onStatus: () => void,
    /** After each applied batch: the setting keys it changed and whether the access rules did. */
    onApplied: (applied: { settings: string[]; rules: boolean }) => void = () => {},
  ): SiteMember {
    let stopped = false;
    const changed = () => {
      if (!stopped) onStatus();
    };
    const sync = new KioskSync({
      url,
      gallery,
      version,
      onOnline: changed,
      onChange: (applied) => {
        if (stopped) return;
        onStatus();
        onApplied({ settings: applied.settings, rules: applied.rules });
      },
    });
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

  /**
   * For a command (`facegate enroll`) on a kiosk's file: the site's changes made from here,
   * without listening; the copy is brought up to date now and after each change.
   */
  static async attach(url: string, gallery: Gallery): Promise<SiteMember> {
    const sync = new KioskSync({ url, gallery, version: 'cli' });
    const siteName = sync.replica.state('site_name') ?? gallery.siteCopy ?? 'site';
    const member = new SiteMember(sync, siteName, gallery);
    try {
      await sync.store.requireSchema();
      await sync.catchUp();
    } catch (error) {
      await sync.stop();
      throw error;
    }
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
        : `The site database cannot be reached${s.lastError ? ` (${s.lastError})` : ''}: this kiosk decides from its last copy and keeps ${s.outboxDepth} event(s) to send.`,
      siteName: this.siteName,
      kiosk: identity?.name ?? '',
      door: identity?.door ?? '',
      outboxDepth: s.outboxDepth,
      appliedSeq: s.appliedSeq,
      lastContactAt: s.lastContactAt === null ? null : new Date(s.lastContactAt).toISOString(),
      clockSkewMs: s.clockSkewMs,
    };
  }
}
