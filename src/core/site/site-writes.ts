import {
  accessGroupInputSchema,
  holidayInputSchema,
  scheduleInputSchema,
  type AccessGroup,
  type Holiday,
  type PersonAccess,
  type Schedule,
} from '../../shared/access-rules';
import type { ErasurePolicy } from '../../shared/attendance';
import type { PersonCredentials } from '../../shared/credentials';
import type { SettingsSection } from '../../shared/settings';
import {
  personCreateSchema,
  personUpdateSchema,
  type Person,
  type PersonCreate,
  type PersonUpdate,
} from '../../shared/people';
import { FaceGateError } from '../errors';
import { AccessRulesStore } from '../gallery/access-rules-store';
import { CredentialStore, pinTag } from '../gallery/credential-store';
import type { Gallery } from '../gallery/gallery';
import { parseInput } from '../gallery/validate';
import type {
  CredentialsChange,
  EnrolWrite,
  GalleryWrites,
  PersonAccessChange,
  PersonErasure,
  PhotoRecord,
} from '../gallery/gallery-writes';
import { hashPin } from '../gallery/pin-hash';
import type { KioskSync } from './kiosk-sync';
import { siteSettingSections } from './import-sqlite';
import * as siteRules from './site-rules';

/** How long a write waits for the kiosk's own copy to apply it before saying so. */
const arrivalTimeoutMs = 5000;

/**
 * The admin writes of a site kiosk (GalleryWrites over PostgreSQL): each is one site transaction
 * (rows, change-feed row, NOTIFY) and returns once this kiosk's own copy has applied it from the
 * feed, so the caller reads the result from the local file like on a single desk. The local file
 * stays written by the sync only. When the site cannot be reached the write is refused with the
 * reason ("The site database at … cannot be reached") and nothing is written anywhere. Audit
 * entries are written locally (they travel up with the events).
 */
export class SiteWrites implements GalleryWrites {
  readonly engine = 'site' as const;

  constructor(
    private readonly sync: KioskSync,
    private readonly gallery: Gallery,
  ) {}

  async createPerson(input: PersonCreate, actor: string): Promise<Person> {
    const fields = parseInput(personCreateSchema, input);
    const { personId, seq } = await this.sync.store.enrol(fields, []);
    await this.arrived(seq, `Person ${personId} was stored in the site database`);
    this.gallery.audit.record({ action: 'person.create', actor, personId, details: { after: fields } });
    return this.gallery.people.require(personId);
  }

  async updatePerson(id: number, patch: PersonUpdate, actor: string): Promise<Person> {
    // The same validation as the desk's (a clear INVALID_INPUT, before anything is sent).
    const fields = parseInput(personUpdateSchema, patch);
    const { seq } = await this.sync.store.updatePerson(id, fields);
    await this.arrived(seq, `The change of person ${id} was stored in the site database`);
    this.gallery.audit.record({ action: 'person.update', actor, personId: id, details: { after: fields } });
    return this.gallery.people.require(id);
  }

  /**
   * Returns once the erasure is committed in the site, this kiosk has dropped the person, and
   * every kiosk online has (those that did not within 2 s are named through `log`).
   */
  async erasePerson(
    id: number,
    policy: ErasurePolicy,
    actor: string,
    log: (line: string) => void = () => {},
  ): Promise<PersonErasure> {
    const { seq, ...result } = await this.sync.store.erasePerson(id, policy);
    await this.arrived(seq, `Person ${id} was erased in the site database`);
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
    // The copy dropped the person's rows: empty the write-ahead log so their bytes leave the file.
    return { ...result, wiped: this.gallery.db.checkpoint() };
  }

  /**
   * An accepted face, with the new person when there is one, in one site transaction (the
   * photo's hash with it); the other kiosks receive it through the change feed. Look-alike pairs
   * confirmed with force are not stored in the site yet (docs/site.md, "Not done yet").
   */
  async enrol(write: EnrolWrite, actor: string): Promise<{ personId: number; templateId: number }> {
    const { embedding, ...template } = write.template;
    const input = {
      ...template,
      contentSha256: write.contentSha256,
      embeddings: [
        { modelId: embedding.modelId, modelSha256: embedding.modelSha256, vector: embedding.vector },
      ],
    };
    // Enrolled over a look-alike: the administrator confirmed they are different people. The pair
    // is stored with the face in one site transaction, so every kiosk gets both together.
    const differentFrom = write.confirmedDifferent.map((other) => ({ ...other, actor }));
    const written = write.person
      ? {
          personId: write.person.id,
          ...(await this.sync.store.addTemplates(write.person.id, [input], differentFrom)),
        }
      : await this.sync.store.enrol(parseInput(personCreateSchema, write.newPerson), [input], differentFrom);
    const templateId = written.templateIds[0];
    await this.arrived(written.seq, `The face of person ${written.personId} was stored in the site database`);
    this.gallery.audit.record({
      action: 'template.add',
      actor,
      personId: written.personId,
      details: {
        templateId,
        source: template.source,
        sourceRef: template.sourceRef,
        model: embedding.modelId,
        via: 'site',
        ...write.details,
      },
    });
    return { personId: written.personId, templateId };
  }

  async deleteTemplate(personId: number, templateId: number, actor: string): Promise<boolean> {
    const { removed, seq } = await this.sync.store.removeTemplate(personId, templateId);
    if (!removed || seq === null) return false;
    await this.arrived(seq, `Template ${templateId} was removed in the site database`);
    this.gallery.audit.record({
      action: 'template.delete',
      actor,
      personId,
      details: { templateId, via: 'site' },
    });
    return true;
  }

  photoRecord(sha256: string): Promise<PhotoRecord | null> {
    return this.sync.store.photoRecord(sha256);
  }

  // Access rules, credentials, look-alike pairs and settings (moved here from SiteMember).
  // Each is one site transaction announced on the feed, validated here as a single desk would,
  // and returns once this kiosk's copy has applied it; nothing is written here when the site
  // cannot be reached (the call fails with the reason).

  /** arrived() for a write that may have changed nothing (seq null). */
  private async applied(seq: number | null, what: string): Promise<void> {
    if (seq !== null) await this.arrived(seq, `The ${what} was stored in the site database`);
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
  async setPersonAccess(personId: number, change: PersonAccessChange): Promise<PersonAccess> {
    const { seq } = await siteRules.setPersonAccess(this.sync.store, personId, change, Date.now());
    await this.applied(seq, 'access of the person');
    return this.rules.personAccess(personId);
  }

  /**
   * A person's PIN, duress PIN (hashed and tagged here under the site's tag key: the PIN never
   * leaves this process) and badge; null removes, absent keeps.
   */
  async setCredentials(personId: number, change: CredentialsChange): Promise<PersonCredentials> {
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
    // The kiosk's own sections stay in its file (SettingsManager writes them after this).
    const entries = Object.entries(sections)
      .filter(([section]) => (siteSettingSections as readonly string[]).includes(section))
      .map(([section, value]) => [`app.${section}`, value] as const);
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

  /** Waits until the change feed has brought a change the site just committed (seq) into this copy. */
  private async arrived(seq: number, what: string): Promise<void> {
    const deadline = Date.now() + arrivalTimeoutMs;
    for (;;) {
      await this.sync.catchUp();
      if (this.sync.replica.appliedSeq >= seq) return;
      if (Date.now() >= deadline) {
        throw new FaceGateError(
          'DATABASE',
          `${what} but has not reached this kiosk yet; it will once the site can be read again.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
