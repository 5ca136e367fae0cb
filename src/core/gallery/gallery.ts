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
import { decide, type DecisionRule } from './matcher/decide';
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

  constructor(readonly db: FaceGateDatabase) {
    this.people = new PeopleRepository(db);
    this.templates = new TemplateRepository(db);
    this.audit = new AuditLog(db);
    this.settings = new SettingsStore(db);
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
    const decision = decide(hits, rule);
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
    const template = this.templates.require(templateId);
    const before = this.galleryVersion();
    this.templates.putEmbedding(templateId, model, vector);
    this.afterWrite(before, (index) => index.add(templateId, template.personId, vector), {
      ...model,
      vector,
    });
  }

  deleteTemplate(personId: number, templateId: number, actor: string): boolean {
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
    return { model, index, version, staleTemplates };
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
