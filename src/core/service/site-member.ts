import type { Status } from '../../shared/contract';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';
import {
  accessGroupInputSchema,
  holidayInputSchema,
  scheduleInputSchema,
  type AccessGroup,
  type Holiday,
  type PersonAccess,
  type Schedule,
} from '../../shared/access-rules';
import type { PersonCredentials } from '../../shared/credentials';
import type { SettingsSection } from '../../shared/settings';
import { AccessRulesStore } from '../gallery/access-rules-store';
import { CredentialStore, pinTag } from '../gallery/credential-store';
import { parseInput } from '../gallery/validate';
import { KioskSync, redactUrl, SiteWrites } from '../site';
import * as siteRules from '../site/site-rules';
import { hashPin } from './pin-hash';

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

  // --- Access rules, credentials, look-alike pairs and settings made at this kiosk -------------
  // Each is one site transaction announced on the feed, validated here as a single desk would,
  // and returns once this kiosk's copy has applied it; nothing is written here when the site
  // cannot be reached (the call fails with the reason). The callers audit as on a single desk.

  /** Waits until the change feed has brought a change the site just committed (seq) into this copy. */
  private async applied(seq: number | null, what: string): Promise<void> {
    if (seq === null) return;
    const deadline = Date.now() + 5000;
    for (;;) {
      await this.sync.catchUp();
      if (this.sync.replica.appliedSeq >= seq) return;
      if (Date.now() >= deadline) {
        throw new FaceGateError(
          'DATABASE',
          `The ${what} was stored in the site database but has not reached this kiosk yet; it will once the site can be read again.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private get rules(): AccessRulesStore {
    return new AccessRulesStore(this.gallery.db);
  }

  async saveSchedule(input: unknown, id?: number): Promise<Schedule> {
    const data = parseInput(scheduleInputSchema, input);
    const written = await siteRules.saveSchedule(
      this.sync.store,
      { name: data.name, windows: JSON.stringify(data.windows) },
      id,
      Date.now(),
    );
    await this.applied(written.seq, 'schedule');
    return this.rules.schedule(written.id);
  }

  async deleteSchedule(id: number): Promise<boolean> {
    const { removed, seq } = await siteRules.deleteSchedule(this.sync.store, id, Date.now());
    await this.applied(seq, 'schedule');
    return removed;
  }

  async saveGroup(input: unknown, id?: number): Promise<AccessGroup> {
    const data = parseInput(accessGroupInputSchema, input);
    const written = await siteRules.saveGroup(
      this.sync.store,
      { name: data.name, doors: JSON.stringify(data.doors), scheduleId: data.scheduleId, mode: data.mode },
      id,
      Date.now(),
    );
    await this.applied(written.seq, 'access group');
    return this.rules.group(written.id);
  }

  async deleteGroup(id: number): Promise<boolean> {
    const { removed, seq } = await siteRules.deleteGroup(this.sync.store, id, Date.now());
    await this.applied(seq, 'access group');
    return removed;
  }

  async saveHoliday(input: unknown): Promise<Holiday> {
    const data = parseInput(holidayInputSchema, input);
    const { seq } = await siteRules.saveHoliday(this.sync.store, data, Date.now());
    await this.applied(seq, 'holiday');
    const holiday = this.rules.holidays().find((h) => h.date === data.date);
    if (!holiday)
      throw new FaceGateError('INTERNAL', `The holiday on ${data.date} did not reach this kiosk.`);
    return holiday;
  }

  async deleteHoliday(id: number): Promise<boolean> {
    const { removed, seq } = await siteRules.deleteHoliday(this.sync.store, id, Date.now());
    await this.applied(seq, 'holiday');
    return removed;
  }

  /** A person's groups (replaced as a whole) and validity bounds (epoch ms or null), what is given. */
  async setPersonAccess(
    personId: number,
    change: { groupIds?: readonly number[]; validFrom?: number | null; validUntil?: number | null },
  ): Promise<PersonAccess> {
    const { seq } = await siteRules.setPersonAccess(this.sync.store, personId, change, Date.now());
    await this.applied(seq, 'access of the person');
    return this.rules.personAccess(personId);
  }

  /**
   * A person's PIN, duress PIN (hashed and tagged here under the site's tag key: the PIN never
   * leaves this process) and badge; null removes, absent keeps.
   */
  async setCredentials(
    personId: number,
    change: { pin?: string | null; duressPin?: string | null; badge?: string | null },
  ): Promise<PersonCredentials> {
    const pins = [change.pin, change.duressPin].filter((p): p is string => typeof p === 'string');
    const key = pins.length ? await siteRules.siteTagKey(this.sync.store, Date.now()) : '';
    const hashed = async (value: string | null | undefined) =>
      value === undefined
        ? undefined
        : value === null
          ? null
          : { hash: await hashPin(value), tag: pinTag(key, value) };
    const { seq } = await siteRules.setCredentials(
      this.sync.store,
      personId,
      {
        ...(change.pin !== undefined ? { pin: await hashed(change.pin) } : {}),
        ...(change.duressPin !== undefined ? { duress: await hashed(change.duressPin) } : {}),
        ...(change.badge !== undefined ? { badge: change.badge } : {}),
      },
      Date.now(),
    );
    await this.applied(seq, 'PIN or badge');
    return new CredentialStore(this.gallery.db).summary(personId);
  }

  /** Confirms (or withdraws) that two look-alike people are different people; false: nothing changed. */
  async setDifferentPeople(
    a: number,
    b: number,
    confirmed: boolean,
    actor: string,
    similarity: number | null = null,
  ): Promise<boolean> {
    if (a === b)
      throw new FaceGateError('INVALID_INPUT', 'A person cannot be confirmed as different from themselves.');
    const { changed, seq } = await siteRules.setDifferentPeople(
      this.sync.store,
      { a, b, similarity, actor, confirmed },
      Date.now(),
    );
    await this.applied(seq, 'look-alike pair');
    if (changed) {
      for (const [personId, otherPersonId] of [
        [a, b],
        [b, a],
      ]) {
        this.gallery.audit.record({
          action: 'people.different',
          actor,
          target: `person:${personId}`,
          personId,
          details: { confirmed, otherPersonId, ...(confirmed ? { similarity } : {}), via: 'site' },
        });
      }
    }
    return changed;
  }

  /**
   * Site settings sections (siteSettingSections: recognition, liveness, access, …) written to the
   * site in one transaction; every kiosk's running service applies them when they arrive (this
   * one before the call returns). Audited here per section, as SettingsManager does.
   */
  async putSettings(sections: Partial<Record<SettingsSection, unknown>>, actor: string): Promise<void> {
    const entries = Object.entries(sections).map(([section, value]) => [`app.${section}`, value] as const);
    if (entries.length === 0) return;
    const before = new Map(entries.map(([key]) => [key, this.gallery.settings.get(key)]));
    const { seq } = await siteRules.putSettings(this.sync.store, entries, Date.now());
    await this.applied(seq, 'setting');
    for (const [key, value] of entries) {
      this.gallery.audit.record({
        action: 'settings.set',
        actor,
        target: `setting:${key}`,
        details: { before: before.get(key) ?? null, after: value, via: 'site' },
      });
    }
  }
}
