import { createHash } from 'node:crypto';
import { z } from 'zod';
import catalogJson from '../../../resources/models/catalog.json';
import { FaceGateError } from '../errors';
import { catalogSchema, type Catalog, type ModelSpec, type ModelTask, type PackSpec } from './catalog-schema';

/** Which task each pack slot needs. */
const slotTasks: Record<'detector' | 'recognizer' | 'landmarks' | 'liveness', ModelTask> = {
  detector: 'detection',
  recognizer: 'recognition',
  landmarks: 'landmarks',
  liveness: 'liveness',
};

function invalid(origin: string, problem: string): FaceGateError {
  return new FaceGateError('MODEL_LOAD', `The model catalog ${origin} is invalid: ${problem}`, {
    details: { catalog: origin },
  });
}

/**
 * A pack's fused recognizers must be recognition models that embed the main recognizer's crop
 * size (they all embed the same aligned crop), each named once and not the main one again.
 */
function checkFused(pack: PackSpec, models: Map<string, ModelSpec>, origin: string): void {
  const main = models.get(pack.recognizer) as ModelSpec;
  const seen = new Set([pack.recognizer]);
  for (const id of pack.fuse) {
    const model = models.get(id);
    if (!model) throw invalid(origin, `pack '${pack.id}' fuses '${id}', which is not in "models".`);
    if (seen.has(id)) {
      throw invalid(
        origin,
        `pack '${pack.id}' names recognizer '${id}' twice (in "recognizer" or "fuse"); name each model once.`,
      );
    }
    seen.add(id);
    if (model.task !== 'recognition') {
      throw invalid(
        origin,
        `pack '${pack.id}' fuses '${id}', a ${model.task} model: "fuse" lists recognition models only.`,
      );
    }
    const { width, height } = model.input;
    if (width !== main.input.width || height !== main.input.height) {
      throw invalid(
        origin,
        `pack '${pack.id}' fuses '${id}' (${width}x${height} input) with '${main.id}' ` +
          `(${main.input.width}x${main.input.height}): fused recognizers embed the same aligned crop, so their input sizes must match.`,
      );
    }
  }
}

/**
 * Parses and cross-checks a catalog: the zod schema, unique ids, and every pack slot naming a
 * model of the right task. origin names the file in error messages.
 */
export function parseCatalog(json: unknown, origin = 'resources/models/catalog.json'): Catalog {
  const parsed = catalogSchema.safeParse(json);
  if (!parsed.success) throw invalid(origin, z.prettifyError(parsed.error));
  const catalog = parsed.data;
  const models = new Map<string, ModelSpec>();
  for (const model of catalog.models) {
    if (models.has(model.id)) throw invalid(origin, `model id '${model.id}' appears twice.`);
    models.set(model.id, model);
  }
  const packIds = new Set<string>();
  for (const pack of catalog.packs) {
    if (packIds.has(pack.id)) throw invalid(origin, `pack id '${pack.id}' appears twice.`);
    packIds.add(pack.id);
    const slots: [keyof typeof slotTasks, string | undefined][] = [
      ['detector', pack.detector],
      ['recognizer', pack.recognizer],
      ['landmarks', pack.landmarks],
      ...pack.liveness.map((id) => ['liveness', id] as [keyof typeof slotTasks, string]),
      ['liveness', pack.livenessSecondOpinion],
    ];
    for (const [slot, id] of slots) {
      if (id === undefined) continue;
      const model = models.get(id);
      if (!model) throw invalid(origin, `pack '${pack.id}' names ${slot} '${id}', which is not in "models".`);
      if (model.task !== slotTasks[slot]) {
        throw invalid(origin, `pack '${pack.id}' uses '${id}' (a ${model.task} model) as its ${slot}.`);
      }
    }
    checkFused(pack, models, origin);
  }
  for (const id of catalog.defaultPacks) {
    if (!packIds.has(id)) throw invalid(origin, `defaultPacks names '${id}', which is not in "packs".`);
  }
  return catalog;
}

let bundled: Catalog | undefined;

/**
 * The catalog shipped with this build (resources/models/catalog.json, bundled into the code so
 * the CLI, the app and tests always agree on it).
 */
export function loadCatalog(): Catalog {
  bundled ??= parseCatalog(catalogJson);
  return bundled;
}

export function findModelSpec(catalog: Catalog, id: string): ModelSpec | undefined {
  return catalog.models.find((m) => m.id === id);
}

export function findPackSpec(catalog: Catalog, id: string): PackSpec | undefined {
  return catalog.packs.find((p) => p.id === id);
}

/** The recognizer whose embeddings a gallery stores: one model, or several fused ones. */
export interface RecognizerIdentity {
  /** The model's id, or the fused models' ids joined with '+' (main recognizer first). */
  id: string;
  /** The model file's sha256, or the sha256 of the models' sha256 strings joined with '+'. */
  sha256: string;
}

/**
 * The identity of the recognizer made of these models in order (main first). A fused recognizer
 * gets an id and a hash of its own, so its templates never mix with a single model's.
 */
export function recognizerIdentity(models: readonly Pick<ModelSpec, 'id' | 'sha256'>[]): RecognizerIdentity {
  if (models.length === 0) throw new Error('recognizerIdentity needs at least one model.');
  if (models.length === 1) return { id: models[0].id, sha256: models[0].sha256 };
  return {
    id: models.map((m) => m.id).join('+'),
    sha256: createHash('sha256')
      .update(models.map((m) => m.sha256).join('+'))
      .digest('hex'),
  };
}

/** The recognizer of a catalog pack (its main recognizer and the fused ones), without loading it. */
export function packRecognizerIdentity(catalog: Catalog, pack: PackSpec): RecognizerIdentity {
  const specs = [pack.recognizer, ...pack.fuse].map((id) => {
    const spec = findModelSpec(catalog, id);
    if (!spec) throw invalid('in use', `pack '${pack.id}' names model '${id}', which the catalog lacks.`);
    return spec;
  });
  return recognizerIdentity(specs);
}
