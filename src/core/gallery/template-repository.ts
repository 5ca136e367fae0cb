import type { FaceQuality, TemplateInfo, TemplateSource } from '../../shared/people';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from './database';
import { blobToEmbedding, embeddingToBlob, normalised } from './embedding-codec';
import { isoFromMs } from './time';

export interface ModelRef {
  /** The recognition model's catalog id. */
  modelId: string;
  /** sha256 of the model file that produced the embedding. */
  modelSha256: string;
}

export interface NewTemplate {
  personId: number;
  source: TemplateSource;
  sourceRef?: string | null;
  quality: Partial<FaceQuality>;
  /** The aligned 112x112 crop as JPEG, kept so that a new model can re-embed it. */
  cropJpeg: Uint8Array | null;
  embedding: ModelRef & { vector: Float32Array };
}

export interface StoredEmbedding {
  templateId: number;
  personId: number;
  modelSha256: string;
  /** Unit length. */
  vector: Float32Array;
}

interface TemplateRow {
  id: number;
  person_id: number;
  source: TemplateSource;
  source_ref: string | null;
  quality: string;
  created_at: number;
  has_crop: number;
  models: string | null;
  newest_model: string | null;
}

const selectTemplate = `
  SELECT t.id, t.person_id, t.source, t.source_ref, t.quality, t.created_at,
         (t.crop_jpeg IS NOT NULL) AS has_crop,
         (SELECT group_concat(e.model_id, char(31)) FROM template_embeddings e WHERE e.template_id = t.id) AS models,
         (SELECT e.model_id FROM template_embeddings e WHERE e.template_id = t.id
          ORDER BY e.created_at DESC, e.id DESC LIMIT 1) AS newest_model
  FROM templates t`;

function toInfo(row: TemplateRow): TemplateInfo {
  return {
    id: row.id,
    personId: row.person_id,
    model: row.newest_model ?? '',
    models: row.models ? row.models.split('\u001f').sort() : [],
    source: row.source,
    quality: JSON.parse(row.quality) as Record<string, number>,
    sourceRef: row.source_ref,
    hasCrop: row.has_crop === 1,
    createdAt: isoFromMs(row.created_at),
  };
}

/** Face templates (one capture each: crop, quality, source) and their embeddings per model. */
export class TemplateRepository {
  constructor(private readonly db: FaceGateDatabase) {}

  add(template: NewTemplate, now = Date.now()): TemplateInfo {
    return this.db.transaction(() => {
      const result = this.db.sqlite
        .prepare(
          `INSERT INTO templates (person_id, source, source_ref, quality, created_at, crop_jpeg)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          template.personId,
          template.source,
          template.sourceRef ?? null,
          JSON.stringify(template.quality),
          now,
          template.cropJpeg ? Buffer.from(template.cropJpeg) : null,
        );
      const id = Number(result.lastInsertRowid);
      this.putEmbedding(id, template.embedding, template.embedding.vector, now);
      return this.require(id);
    });
  }

  /** Adds or replaces the embedding of a template for one model (re-embedding). */
  putEmbedding(templateId: number, model: ModelRef, vector: Float32Array, now = Date.now()): void {
    const unit = normalised(vector);
    this.db.sqlite
      .prepare(
        `INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (template_id, model_id) DO UPDATE SET
           model_sha256 = excluded.model_sha256, dim = excluded.dim,
           created_at = excluded.created_at, vector = excluded.vector`,
      )
      .run(templateId, model.modelId, model.modelSha256, unit.length, now, embeddingToBlob(unit));
  }

  get(id: number): TemplateInfo | undefined {
    const row = this.db.sqlite.prepare(`${selectTemplate} WHERE t.id = ?`).get(id) as TemplateRow | undefined;
    return row ? toInfo(row) : undefined;
  }

  require(id: number): TemplateInfo {
    const template = this.get(id);
    if (!template) throw new FaceGateError('NOT_FOUND', `There is no template with id ${id}.`);
    return template;
  }

  listForPerson(personId: number): TemplateInfo[] {
    const rows = this.db.sqlite
      .prepare(`${selectTemplate} WHERE t.person_id = ? ORDER BY t.id`)
      .all(personId) as TemplateRow[];
    return rows.map(toInfo);
  }

  /** The aligned crop (JPEG bytes), or null when none was kept. */
  crop(templateId: number): Buffer | null {
    const row = this.db.sqlite.prepare('SELECT crop_jpeg FROM templates WHERE id = ?').get(templateId) as
      { crop_jpeg: Buffer | null } | undefined;
    if (!row) throw new FaceGateError('NOT_FOUND', `There is no template with id ${templateId}.`);
    return row.crop_jpeg;
  }

  delete(templateId: number): boolean {
    return this.db.sqlite.prepare('DELETE FROM templates WHERE id = ?').run(templateId).changes > 0;
  }

  /** Every embedding of one model, streamed (the matcher's rebuild). */
  *embeddingsFor(modelId: string): Generator<StoredEmbedding> {
    const rows = this.db.sqlite
      .prepare(
        `SELECT e.template_id, t.person_id, e.model_sha256, e.vector
         FROM template_embeddings e JOIN templates t ON t.id = e.template_id
         WHERE e.model_id = ? ORDER BY e.template_id`,
      )
      .iterate(modelId) as IterableIterator<{
      template_id: number;
      person_id: number;
      model_sha256: string;
      vector: Buffer;
    }>;
    for (const row of rows) {
      yield {
        templateId: row.template_id,
        personId: row.person_id,
        modelSha256: row.model_sha256,
        vector: blobToEmbedding(row.vector),
      };
    }
  }

  /** One template's embedding for a model, or undefined. */
  embedding(templateId: number, modelId: string): Float32Array | undefined {
    const row = this.db.sqlite
      .prepare('SELECT vector FROM template_embeddings WHERE template_id = ? AND model_id = ?')
      .get(templateId, modelId) as { vector: Buffer } | undefined;
    return row ? blobToEmbedding(row.vector) : undefined;
  }

  /** Templates with no embedding from this exact model file (absent, or from another sha256). */
  needingEmbedding(model: ModelRef): { templateId: number; personId: number; hasCrop: boolean }[] {
    const rows = this.db.sqlite
      .prepare(
        `SELECT t.id, t.person_id, (t.crop_jpeg IS NOT NULL) AS has_crop FROM templates t
         WHERE NOT EXISTS (SELECT 1 FROM template_embeddings e
                           WHERE e.template_id = t.id AND e.model_id = ? AND e.model_sha256 = ?)
         ORDER BY t.id`,
      )
      .all(model.modelId, model.modelSha256) as { id: number; person_id: number; has_crop: number }[];
    return rows.map((r) => ({ templateId: r.id, personId: r.person_id, hasCrop: r.has_crop === 1 }));
  }

  /** Models with embeddings in the gallery, with how many templates each covers. */
  models(): { modelId: string; modelSha256: string; templates: number }[] {
    return this.db.sqlite
      .prepare(
        `SELECT model_id AS modelId, model_sha256 AS modelSha256, count(*) AS templates
         FROM template_embeddings GROUP BY model_id, model_sha256 ORDER BY model_id`,
      )
      .all() as { modelId: string; modelSha256: string; templates: number }[];
  }

  count(): number {
    return (this.db.sqlite.prepare('SELECT count(*) AS n FROM templates').get() as { n: number }).n;
  }
}
