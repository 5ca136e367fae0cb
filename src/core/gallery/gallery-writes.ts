import type { AccessGroup, Holiday, PersonAccess, Schedule } from '../../shared/access-rules';
import type { ErasurePolicy } from '../../shared/attendance';
import type { PersonCredentials } from '../../shared/credentials';
import type { Person, PersonCreate, PersonUpdate, TemplateSource } from '../../shared/people';
import type { SettingsSection } from '../../shared/settings';
import { hashPin } from './pin-hash';
import { AccessRulesStore } from './access-rules-store';
import { CredentialStore } from './credential-store';
import type { Gallery } from './gallery';
import type { ModelRef } from './template-repository';
import { FaceGateError } from '../errors';

/** A person's access change: groups (replaced as a whole) and validity bounds (epoch ms or null), what is given. */
export interface PersonAccessChange {
  groupIds?: readonly number[];
  validFrom?: number | null;
  validUntil?: number | null;
}

/** A person's PIN, duress PIN (plain digits, hashed by the engine) and badge: null removes, absent keeps. */
export interface CredentialsChange {
  pin?: string | null;
  duressPin?: string | null;
  badge?: string | null;
}

/** An accepted face to store (enrolFace decided; the writes only store it). */
export interface EnrolWrite {
  /** The existing person, or null with newPerson set. */
  person: Person | null;
  newPerson: PersonCreate | null;
  template: {
    source: TemplateSource;
    sourceRef: string | null;
    quality: Record<string, number>;
    cropJpeg: Uint8Array;
    embedding: ModelRef & { vector: Float32Array };
  };
  /** sha256 of the photo file, remembered with the template ("already imported"); null for a camera frame. */
  contentSha256: string | null;
  /** People this face matched, whom the administrator confirmed as different (enrolled with force). */
  confirmedDifferent: { personId: number; similarity: number }[];
  /** Extra audit details of the template.add entry (forced, quality notes). */
  details: Record<string, unknown>;
}

/** What an erasure did (the people.delete result, plus whether the local file was wiped). */
export interface PersonErasure {
  id: number;
  templatesDeleted: number;
  events: 'deleted' | 'anonymised';
  eventsAffected: number;
  /** True when the local write-ahead log was emptied afterwards (no erased bytes left in the file). */
  wiped: boolean;
}

/** A photo already stored (by its content hash), and for whom. */
export interface PhotoRecord {
  personId: number;
  name: string;
  /** The template it became, or null when that template was removed since (the photo stays "imported"). */
  templateId: number | null;
}

/**
 * The admin writes to who the desk knows (people and their faces), and the reads they need, over
 * either engine: a single desk writes its own SQLite file (DeskWrites, below); a site kiosk writes
 * the site's PostgreSQL and returns once its own copy has applied the change (src/core/site,
 * SiteWrites), refused with nothing written when the site cannot be reached. Handlers and CLI
 * commands write through this and never ask which engine it is. Every method is audited by the
 * engine; the frame path never calls any of them (it reads the local file and index only).
 *
 * The same contract tests run against both (test/integration/site/store-contract.test.ts). To
 * add a kind of write: add it here, to DeskWrites and to SiteWrites, and a case to those tests.
 */
export interface GalleryWrites {
  /** 'desk' (the file) or 'site' (PostgreSQL, this file a copy): for messages and status only. */
  readonly engine: 'desk' | 'site';
  createPerson(input: PersonCreate, actor: string): Promise<Person>;
  /** Changes a person's fields (deactivation is `{ active: false }`); returns the person as stored. */
  updatePerson(id: number, patch: PersonUpdate, actor: string): Promise<Person>;
  /**
   * Erases a person (templates, crops, photo records; events deleted or anonymised per policy).
   * `log` hears what is worth an operator's attention (a site kiosk that has not applied it yet).
   */
  erasePerson(
    id: number,
    policy: ErasurePolicy,
    actor: string,
    log?: (line: string) => void,
  ): Promise<PersonErasure>;
  /** Stores an accepted face (and the new person with it, in one transaction); returns the ids. */
  enrol(write: EnrolWrite, actor: string): Promise<{ personId: number; templateId: number }>;
  /** Removes one template of a person; false when the person has no such template. */
  deleteTemplate(personId: number, templateId: number, actor: string): Promise<boolean>;
  /** The photo with this content hash, if it was stored before (preferring one that is still a template). */
  photoRecord(sha256: string): Promise<PhotoRecord | null>;

  // Access rules, credentials, look-alike pairs and settings (docs/access.md). Validated as the
  // desk validates them; the caller audits (except setDifferentPeople and putSettings, below).
  saveSchedule(input: unknown, id?: number): Promise<Schedule>;
  deleteSchedule(id: number): Promise<boolean>;
  saveGroup(input: unknown, id?: number): Promise<AccessGroup>;
  deleteGroup(id: number): Promise<boolean>;
  saveHoliday(input: unknown): Promise<Holiday>;
  deleteHoliday(id: number): Promise<boolean>;
  setPersonAccess(personId: number, change: PersonAccessChange): Promise<PersonAccess>;
  /** PINs are hashed (and tagged under the engine's tag key) here: a PIN is never stored or sent. */
  setCredentials(personId: number, change: CredentialsChange): Promise<PersonCredentials>;
  /** Confirms (or withdraws) that two look-alike people are different people, audited; false: nothing changed. */
  setDifferentPeople(
    a: number,
    b: number,
    confirmed: boolean,
    actor: string,
    similarity?: number | null,
  ): Promise<boolean>;
  /**
   * Settings sections changed by an admin, before SettingsManager stores them in the local file:
   * a site kiosk writes the site's sections (siteSettingSections) to the site first, audited, so
   * every kiosk applies them; a single desk has nothing to do here (the file is the store).
   */
  putSettings(sections: Partial<Record<SettingsSection, unknown>>, actor: string): Promise<void>;
}

/** The single desk: the SQLite file itself (unchanged behaviour of Gallery's audited changes). */
export class DeskWrites implements GalleryWrites {
  readonly engine = 'desk' as const;

  private readonly rules: AccessRulesStore;
  private readonly credentials: CredentialStore;

  constructor(
    private readonly gallery: Gallery,
    private readonly now: () => number = Date.now,
  ) {
    this.rules = new AccessRulesStore(gallery.db);
    this.credentials = new CredentialStore(gallery.db);
  }

  async createPerson(input: PersonCreate, actor: string): Promise<Person> {
    return this.gallery.createPerson(input, actor);
  }

  async updatePerson(id: number, patch: PersonUpdate, actor: string): Promise<Person> {
    return this.gallery.updatePerson(id, patch, actor);
  }

  async erasePerson(id: number, policy: ErasurePolicy, actor: string): Promise<PersonErasure> {
    const { auditEntriesRedacted: _redacted, ...result } = this.gallery.erasePerson(id, policy, actor);
    return result;
  }

  async enrol(write: EnrolWrite, actor: string): Promise<{ personId: number; templateId: number }> {
    const gallery = this.gallery;
    try {
      return gallery.db.transaction(() => {
        const person = write.person ?? gallery.createPerson(write.newPerson!, actor);
        const template = gallery.addTemplate(
          { personId: person.id, ...write.template },
          actor,
          write.details,
        );
        // Enrolled over a duplicate: the administrator confirmed they are different people. Stored,
        // so the live decision keeps them apart by the look-alike margin (matcher/decide.ts).
        for (const other of write.confirmedDifferent) {
          gallery.confirmDifferentPeople(person.id, other.personId, actor, other.similarity);
        }
        // The photo's content hash is written with its template: an import killed between the two
        // cannot enrol the same photo twice on the next run.
        if (write.contentSha256) {
          gallery.db.sqlite
            .prepare(
              'INSERT INTO import_sources (person_id, template_id, sha256, path, imported_at) VALUES (?, ?, ?, ?, ?) ' +
                'ON CONFLICT (person_id, sha256) DO UPDATE SET template_id = excluded.template_id, path = excluded.path',
            )
            .run(person.id, template.id, write.contentSha256, write.template.sourceRef ?? '', Date.now());
        }
        return { personId: person.id, templateId: template.id };
      });
    } catch (error) {
      // Rolled back: the search index may hold the template that is gone; rebuild it.
      gallery.refresh();
      throw error;
    }
  }

  async deleteTemplate(personId: number, templateId: number, actor: string): Promise<boolean> {
    return this.gallery.deleteTemplate(personId, templateId, actor);
  }

  async photoRecord(sha256: string): Promise<PhotoRecord | null> {
    const row = this.gallery.db.sqlite
      .prepare(
        'SELECT s.person_id AS personId, p.name AS name, s.template_id AS templateId FROM import_sources s ' +
          'JOIN people p ON p.id = s.person_id WHERE s.sha256 = ? ORDER BY s.template_id IS NULL LIMIT 1',
      )
      .get(sha256) as PhotoRecord | undefined;
    return row ?? null;
  }

  async saveSchedule(input: unknown, id?: number): Promise<Schedule> {
    this.ownChanges();
    return this.rules.saveSchedule(input, id, this.now());
  }

  async deleteSchedule(id: number): Promise<boolean> {
    this.ownChanges();
    return this.rules.deleteSchedule(id);
  }

  async saveGroup(input: unknown, id?: number): Promise<AccessGroup> {
    this.ownChanges();
    return this.rules.saveGroup(input, id, this.now());
  }

  async deleteGroup(id: number): Promise<boolean> {
    this.ownChanges();
    return this.rules.deleteGroup(id);
  }

  async saveHoliday(input: unknown): Promise<Holiday> {
    this.ownChanges();
    return this.rules.saveHoliday(input);
  }

  async deleteHoliday(id: number): Promise<boolean> {
    this.ownChanges();
    return this.rules.deleteHoliday(id);
  }

  async setPersonAccess(personId: number, change: PersonAccessChange): Promise<PersonAccess> {
    this.ownChanges();
    return this.rules.setPersonAccess(personId, change);
  }

  async setCredentials(personId: number, change: CredentialsChange): Promise<PersonCredentials> {
    this.ownChanges();
    const hashed = async (value: string | null | undefined) =>
      value === undefined
        ? undefined
        : value === null
          ? null
          : { hash: await hashPin(value), tag: this.credentials.tag(value) };
    return this.credentials.set(
      personId,
      {
        ...(change.pin !== undefined ? { pin: await hashed(change.pin) } : {}),
        ...(change.duressPin !== undefined ? { duress: await hashed(change.duressPin) } : {}),
        ...(change.badge !== undefined ? { badge: change.badge } : {}),
      },
      this.now(),
    );
  }

  async setDifferentPeople(
    a: number,
    b: number,
    confirmed: boolean,
    actor: string,
    similarity: number | null = null,
  ): Promise<boolean> {
    if (!confirmed) return this.gallery.withdrawDifferentPeople(a, b, actor);
    this.gallery.confirmDifferentPeople(a, b, actor, similarity);
    return true;
  }

  /**
   * A kiosk's copy of a site used without the site (no FACEGATE_DATABASE_URL): its rules and
   * credentials are the site's, so a change here would reach no other kiosk and be undone by the
   * next site change: refused, like Gallery refuses people and templates.
   */
  private ownChanges(): void {
    const site = this.gallery.siteCopy;
    if (site === null) return;
    throw new FaceGateError(
      'CONFLICT',
      `${this.gallery.db.file} is a kiosk's copy of the site '${site}': access rules, PINs and badges are ` +
        'changed in the site database (docs/site.md): make the change with FACEGATE_DATABASE_URL set to it.',
    );
  }

  async putSettings(): Promise<void> {
    // The desk's file is the store: SettingsManager writes and audits the sections.
  }
}
