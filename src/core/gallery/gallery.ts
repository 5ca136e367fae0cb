import type { ErasurePolicy } from '../../shared/attendance';
import type {
  IdentifyResult,
  MatchCandidate,
  PeopleQuery,
  Person,
  PersonCreate,
  PersonUpdate,
  TemplateInfo,
} from '../../shared/people';
import { FaceGateError } from '../errors';
import { AuditLog } from './audit-log';
import { openDatabase, type FaceGateDatabase, type OpenDatabaseOptions } from './database';
import { EmbeddingIndex } from './matcher/embedding-index';
import { decide, type DecisionRule, type Lookalikes } from './matcher/decide';
import { PeopleRepository } from './people-repository';
import { SettingsStore } from './settings-store';
import { TemplateRepository, type ModelRef, type NewTemplate } from './template-repository';

export interface ErasureResult {
  id: number;
  templatesDeleted: number;
  events: 'deleted' | 'anonymised';
  eventsAffected: number;
  auditEntriesRedacted: number;
  /**
   * True when the write-ahead log was emptied afterwards, so the erased bytes survive nowhere in
   * the database files. False when another process held the log open; the next checkpoint (at
   * the latest when the last connection closes) finishes the job.
   */
  wiped: boolean;
}

/** The active model's in-memory index and the gallery version it reflects. */
interface ActiveIndex {
  model: ModelRef;
  /** Null while the model has no embeddings yet (its size is learned from the first). */
  index: EmbeddingIndex | null;
  version: number;
  /** Templates of this model id whose embedding came from another file (stale until re-embedded). */
  staleTemplates: number;
  /** Confirmed "different people": each person's partners (both directions). */
  lookalikes: Map<number, number[]>;
}

/** A person an administrator confirmed as different from another one who looks like them. */
export interface DifferentPerson {
  personId: number;
  name: string;
  /** Their similarity when confirmed (null when confirmed without a photo at hand). */
  similarity: number | null;
  confirmedBy: string;
  confirmedAt: number;
}

/**
 * Who the desk knows: people, their face templates and the 1:N index over the active model's
 * embeddings, on one database. Every admin change goes through here so it is audited and the
 * index stays in step; a change made by another process is noticed before the next search
 * (the database's gallery version moved) and the index is rebuilt.
 */
export class Gallery {
  readonly people: PeopleRepository;
  readonly templates: TemplateRepository;
  readonly audit: AuditLog;
  readonly settings: SettingsStore;
  private active: ActiveIndex | null = null;
  /** Set when this file is a site kiosk's copy: people change in the site database, not here. */
  private siteCopyOf: string | null = null;

  constructor(readonly db: FaceGateDatabase) {
    this.people = new PeopleRepository(db);
    this.templates = new TemplateRepository(db);
    this.audit = new AuditLog(db);
    this.settings = new SettingsStore(db);
    // A site kiosk's copy (src/core/site) is written by the site's sync only, whoever opens it.
    const site = db.sqlite
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_state'")
      .get()
      ? (db.sqlite.prepare("SELECT value FROM site_state WHERE key = 'site_name'").get() as
          { value: string } | undefined)
      : undefined;
    if (site) this.siteCopyOf = site.value;
  }

  static open(file: string, options: OpenDatabaseOptions = {}): Gallery {
    return new Gallery(openDatabase(file, options));
  }

  close(): void {
    this.db.close();
  }

  // --- The 1:N index -----------------------------------------------------------------------

  /** Builds (or keeps) the index for the recognizer in use; returns how many templates it holds. */
  useModel(model: ModelRef): { templates: number; people: number; staleTemplates: number } {
    if (
      !this.active ||
      this.active.model.modelId !== model.modelId ||
      this.active.model.modelSha256 !== model.modelSha256
    ) {
      this.active = this.buildIndex(model);
    } else this.refresh();
    const { index, staleTemplates } = this.active;
    return { templates: index?.size ?? 0, people: index?.personCount ?? 0, staleTemplates };
  }

  get model(): ModelRef | null {
    return this.active?.model ?? null;
  }

  /** The index (after catching up with changes from other processes); null while empty. */
  index(): EmbeddingIndex | null {
    return this.requireActive().index;
  }

  /** The k best people for an embedding of the active model, with names. */
  search(embedding: Float32Array, k = 5): MatchCandidate[] {
    const hits = this.requireActive().index?.search(embedding, k) ?? [];
    return hits.map((hit) => ({
      personId: hit.personId,
      name: this.people.get(hit.personId)?.name ?? '',
      score: hit.score,
      templateId: hit.templateId,
    }));
  }

  /** Open-set identification of one embedding: known only above the threshold and by the margin. */
  identify(embedding: Float32Array, rule: DecisionRule, k = 5): IdentifyResult {
    const active = this.requireActive();
    const hits = active.index?.search(embedding, Math.max(2, k)) ?? [];
    const lookalikes: Lookalikes = {
      partnersOf: (personId) => active.lookalikes.get(personId) ?? [],
      scoreOf: (personId) => active.index?.scorePerson(embedding, personId) ?? null,
    };
    const decision = decide(hits, rule, lookalikes);
    const candidates = hits.slice(0, k).map((hit) => ({
      personId: hit.personId,
      name: this.people.get(hit.personId)?.name ?? '',
      score: hit.score,
      templateId: hit.templateId,
    }));
    return {
      decision: decision.decision,
      person: decision.decision === 'known' ? (this.people.get(decision.best.personId) ?? null) : null,
      similarity: decision.best?.score ?? null,
      reason: decision.decision === 'unknown' ? decision.reason : null,
      threshold: rule.threshold,
      margin: rule.margin,
      candidates,
    };
  }

  /** Rebuilds the index when another connection changed the embeddings since it was built. */
  refresh(): boolean {
    if (!this.active) return false;
    if (this.galleryVersion() === this.active.version) return false;
    this.active = this.buildIndex(this.active.model);
    return true;
  }

  // --- Audited changes ---------------------------------------------------------------------

  createPerson(input: PersonCreate, actor: string): Person {
    this.assertOwnChanges();
    return this.db.transaction(() => {
      const person = this.people.create(input);
      this.audit.record({
        action: 'person.create',
        actor,
        personId: person.id,
        details: { after: personFields(person) },
      });
      return person;
    });
  }

  updatePerson(id: number, patch: PersonUpdate, actor: string): Person {
    this.assertOwnChanges();
    return this.db.transaction(() => {
      const { before, after } = this.people.update(id, patch);
      const changed = Object.fromEntries(
        Object.entries(personFields(after)).filter(([key, value]) => personFields(before)[key] !== value),
      );
      const was = Object.fromEntries(Object.keys(changed).map((key) => [key, personFields(before)[key]]));
      if (Object.keys(changed).length > 0) {
        this.audit.record({
          action: 'person.update',
          actor,
          personId: id,
          details: { before: was, after: changed },
        });
      }
      return after;
    });
  }

  listPeople(query: PeopleQuery = {}): Person[] {
    return this.people.list(query);
  }

  /** Stores a template and its embedding; the caller has applied the quality gates. */
  addTemplate(template: NewTemplate, actor: string, details: Record<string, unknown> = {}): TemplateInfo {
    this.assertOwnChanges();
    const before = this.galleryVersion();
    const info = this.db.transaction(() => {
      this.people.require(template.personId);
      const info = this.templates.add(template);
      this.audit.record({
        action: 'template.add',
        actor,
        personId: template.personId,
        details: {
          templateId: info.id,
          source: info.source,
          sourceRef: info.sourceRef,
          model: template.embedding.modelId,
          ...details,
        },
      });
      return info;
    });
    this.afterWrite(
      before,
      (index) => index.add(info.id, template.personId, template.embedding.vector),
      template.embedding,
    );
    return info;
  }

  /** Adds or replaces one template's embedding for a model (re-embedding). */
  putEmbedding(templateId: number, model: ModelRef, vector: Float32Array): void {
    this.assertOwnChanges();
    const template = this.templates.require(templateId);
    const before = this.galleryVersion();
    this.templates.putEmbedding(templateId, model, vector);
    this.afterWrite(before, (index) => index.add(templateId, template.personId, vector), {
      ...model,
      vector,
    });
  }

  deleteTemplate(personId: number, templateId: number, actor: string): boolean {
    this.assertOwnChanges();
    const before = this.galleryVersion();
    const removed = this.db.transaction(() => {
      const template = this.templates.get(templateId);
      if (!template || template.personId !== personId) return false;
      this.templates.delete(templateId);
      this.audit.record({ action: 'template.delete', actor, personId, details: { templateId } });
      return true;
    });
    if (removed) this.afterWrite(before, (index) => index.remove(templateId));
    return removed;
  }

  /**
   * Erases a person: their templates, embeddings, crops and import records go; their events are
   * deleted or anonymised per the policy; audit entries about them keep only time and action.
   * secure_delete zeroes the freed bytes and a checkpoint empties the write-ahead log, so none of
   * their embedding or crop bytes remain in the database files.
   */
  erasePerson(id: number, policy: ErasurePolicy, actor: string): ErasureResult {
    this.assertOwnChanges();
    const before = this.galleryVersion();
    const result = this.db.transaction(() => {
      this.people.require(id);
      const templatesDeleted = this.templates.listForPerson(id).length;
      const sql = this.db.sqlite;
      const eventsAffected =
        policy === 'delete'
          ? sql.prepare('DELETE FROM attendance_events WHERE person_id = ?').run(id).changes
          : sql
              .prepare('UPDATE attendance_events SET person_id = NULL, note = NULL WHERE person_id = ?')
              .run(id).changes;
      const auditEntriesRedacted = this.audit.redactPerson(id);
      this.people.deleteRow(id);
      const events = policy === 'delete' ? ('deleted' as const) : ('anonymised' as const);
      this.audit.record({
        action: 'person.delete',
        actor,
        personId: id,
        details: { templatesDeleted, events, eventsAffected },
      });
      return { id, templatesDeleted, events, eventsAffected, auditEntriesRedacted };
    });
    this.afterWrite(before, (index) => index.removePerson(id));
    return { ...result, wiped: this.db.checkpoint() };
  }

  /**
   * Records that two people who look alike are different people (the administrator saw both faces
   * and said so). The live decision then lets either in only when they lead the other by the
   * look-alike margin (matcher/decide.ts). Idempotent; audited.
   */
  confirmDifferentPeople(a: number, b: number, actor: string, similarity: number | null = null): void {
    this.assertOwnChanges();
    if (a === b) {
      throw new FaceGateError('INVALID_INPUT', 'A person cannot be confirmed as different from themselves.');
    }
    if (similarity !== null && !Number.isFinite(similarity)) {
      throw new FaceGateError('INVALID_INPUT', 'The similarity of a confirmed pair must be a number.');
    }
    const [low, high] = a < b ? [a, b] : [b, a];
    const before = this.galleryVersion();
    this.db.transaction(() => {
      this.people.require(low);
      this.people.require(high);
      this.db.sqlite
        .prepare(
          'INSERT INTO distinct_people (person_a, person_b, similarity, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?) ' +
            'ON CONFLICT (person_a, person_b) DO UPDATE SET similarity = excluded.similarity, ' +
            'confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at',
        )
        .run(low, high, similarity, actor, Date.now());
      // One entry per person, so erasing either redacts theirs.
      for (const [personId, otherPersonId] of [
        [low, high],
        [high, low],
      ]) {
        this.audit.record({
          action: 'people.different',
          actor,
          target: `person:${personId}`,
          personId,
          details: { confirmed: true, otherPersonId, similarity },
        });
      }
    });
    this.afterWrite(before, () => undefined);
  }

  /** Withdraws a "different people" confirmation; false when there was none. Audited. */
  withdrawDifferentPeople(a: number, b: number, actor: string): boolean {
    this.assertOwnChanges();
    const [low, high] = a < b ? [a, b] : [b, a];
    const before = this.galleryVersion();
    const removed = this.db.transaction(() => {
      const gone =
        this.db.sqlite
          .prepare('DELETE FROM distinct_people WHERE person_a = ? AND person_b = ?')
          .run(low, high).changes > 0;
      if (gone) {
        for (const [personId, otherPersonId] of [
          [low, high],
          [high, low],
        ]) {
          this.audit.record({
            action: 'people.different',
            actor,
            target: `person:${personId}`,
            personId,
            details: { confirmed: false, otherPersonId },
          });
        }
      }
      return gone;
    });
    if (removed) this.afterWrite(before, () => undefined);
    return removed;
  }

  /** The people confirmed as different from this one. */
  differentPeople(personId: number): DifferentPerson[] {
    if (!this.hasLookalikeTable()) return [];
    const rows = this.db.sqlite
      .prepare(
        'SELECT CASE WHEN d.person_a = ? THEN d.person_b ELSE d.person_a END AS personId, p.name AS name, ' +
          'd.similarity AS similarity, d.confirmed_by AS confirmedBy, d.confirmed_at AS confirmedAt ' +
          'FROM distinct_people d JOIN people p ON p.id = (CASE WHEN d.person_a = ? THEN d.person_b ELSE d.person_a END) ' +
          'WHERE d.person_a = ? OR d.person_b = ? ORDER BY personId',
      )
      .all(personId, personId, personId, personId) as DifferentPerson[];
    return rows;
  }

  /** Stores a setting and audits the change (before and after). */
  setSetting(key: string, value: unknown, actor: string): void {
    this.db.transaction(() => {
      const before = this.settings.set(key, value);
      this.audit.record({
        action: 'settings.set',
        actor,
        target: `setting:${key}`,
        details: { before: before ?? null, after: value },
      });
    });
  }

  // --- Changes written by the site replica (src/core/site) ------------------------------------

  /**
   * Marks this gallery as a site kiosk's copy (src/core/site): from now on its own change
   * methods refuse, so that no person is made here under an id the site will give to someone
   * else; the replica writes the site's changes itself.
   */
  /** The site this file is a kiosk's copy of, or null for a single desk. */
  get siteCopy(): string | null {
    return this.siteCopyOf;
  }

  markSiteCopy(siteName: string): void {
    this.siteCopyOf = siteName;
  }

  private assertOwnChanges(): void {
    if (this.siteCopyOf !== null) {
      throw new FaceGateError(
        'CONFLICT',
        `This kiosk is a member of the site '${this.siteCopyOf}': people and templates are changed in the ` +
          'site database (docs/site.md), and reach this kiosk from there: make the change with ' +
          'FACEGATE_DATABASE_URL set to the site database.',
      );
    }
  }

  /** The database's gallery version (bumped by every embedding or template change). */
  version(): number {
    return this.galleryVersion();
  }

  /**
   * Applies to the index, incrementally, embedding changes that the site replica wrote to the
   * database itself (versionBefore: the version it read before its transaction). When the index
   * was not up to date before, nothing is applied and the next search rebuilds it instead.
   */
  applyReplicated(
    versionBefore: number,
    edits: {
      removedTemplates: readonly number[];
      added: readonly (ModelRef & { templateId: number; personId: number; vector: Float32Array })[];
    },
  ): void {
    const active = this.active;
    if (!active || active.version !== versionBefore) return;
    for (const templateId of edits.removedTemplates) active.index?.remove(templateId);
    for (const added of edits.added) {
      if (added.modelId !== active.model.modelId || added.modelSha256 !== active.model.modelSha256) continue;
      active.index ??= new EmbeddingIndex(added.vector.length, { initialCapacity: 1024 });
      active.index.add(added.templateId, added.personId, added.vector);
    }
    // Confirmed look-alike pairs may have come with the batch (they are few: read them again).
    active.lookalikes = this.loadLookalikes();
    active.version = this.galleryVersion();
  }

  // --- Internals ---------------------------------------------------------------------------

  private requireActive(): ActiveIndex {
    if (!this.active) {
      throw new FaceGateError(
        'INTERNAL',
        'The gallery has no recognition model selected; call useModel() first.',
      );
    }
    this.refresh();
    return this.active;
  }

  private galleryVersion(): number {
    return (
      this.db.sqlite.prepare('SELECT version FROM gallery_version WHERE id = 1').get() as { version: number }
    ).version;
  }

  private buildIndex(model: ModelRef): ActiveIndex {
    const version = this.galleryVersion();
    let index: EmbeddingIndex | null = null;
    let staleTemplates = 0;
    for (const stored of this.templates.embeddingsFor(model.modelId)) {
      if (stored.modelSha256 !== model.modelSha256) {
        // Same model id, another file: its vectors live in another space. Re-embed to use them.
        staleTemplates++;
        continue;
      }
      index ??= new EmbeddingIndex(stored.vector.length, { initialCapacity: 1024 });
      index.add(stored.templateId, stored.personId, stored.vector);
    }
    return { model, index, version, staleTemplates, lookalikes: this.loadLookalikes() };
  }

  /** False for a database of an older schema opened read-only (not migrated): it has no pairs. */
  private hasLookalikeTable(): boolean {
    return (
      this.db.sqlite
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'distinct_people'")
        .get() !== undefined
    );
  }

  private loadLookalikes(): Map<number, number[]> {
    const map = new Map<number, number[]>();
    if (!this.hasLookalikeTable()) return map;
    const pairs = this.db.sqlite
      .prepare('SELECT person_a AS a, person_b AS b FROM distinct_people')
      .all() as {
      a: number;
      b: number;
    }[];
    for (const { a, b } of pairs) {
      map.set(a, [...(map.get(a) ?? []), b]);
      map.set(b, [...(map.get(b) ?? []), a]);
    }
    return map;
  }

  /**
   * Applies a change of ours to the index incrementally, when the index was up to date before it
   * (else it is left stale and the next search rebuilds it). `written` names the model of an
   * embedding that was added, which the active index takes only when it is that model's.
   */
  private afterWrite(
    versionBefore: number,
    apply: (index: EmbeddingIndex) => unknown,
    written?: ModelRef & { vector: Float32Array },
  ): void {
    const active = this.active;
    if (!active || active.version !== versionBefore) return;
    const versionAfter = this.galleryVersion();
    if (written) {
      if (written.modelId !== active.model.modelId || written.modelSha256 !== active.model.modelSha256) {
        active.version = versionAfter;
        return;
      }
      active.index ??= new EmbeddingIndex(written.vector.length);
    }
    if (active.index) apply(active.index);
    // Confirmed pairs are few: read them again after every change (an erasure drops a person's).
    active.lookalikes = this.loadLookalikes();
    active.version = versionAfter;
  }
}

function personFields(person: Person): Record<string, unknown> {
  return {
    name: person.name,
    employeeCode: person.employeeCode,
    group: person.group,
    active: person.active,
    notes: person.notes,
  };
}
