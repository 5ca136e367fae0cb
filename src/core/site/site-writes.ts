import type { ErasurePolicy } from '../../shared/attendance';
import {
  personCreateSchema,
  personUpdateSchema,
  type Person,
  type PersonCreate,
  type PersonUpdate,
} from '../../shared/people';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';
import { parseInput } from '../gallery/validate';
import type { EnrolWrite, GalleryWrites, PersonErasure, PhotoRecord } from '../gallery/gallery-writes';
import type { KioskSync } from './kiosk-sync';

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
