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
    ];
    for (const [slot, id] of slots) {
      if (id === undefined) continue;
      const model = models.get(id);
      if (!model) throw invalid(origin, `pack '${pack.id}' names ${slot} '${id}', which is not in "models".`);
      if (model.task !== slotTasks[slot]) {
        throw invalid(origin, `pack '${pack.id}' uses '${id}' (a ${model.task} model) as its ${slot}.`);
      }
    }
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
