import { toErrorInfo } from '../../errors';
import type { ProviderName, ResolvedPack } from '../../models';
import type { FaceAnalyzer } from '../face-analyzer';
import type { JudgeRule } from './judge';
import { LivenessEstimator } from './liveness-estimator';

/** Upstream's decision point (Silent-Face: argmax of the summed softmaxes), used when a pack names none. */
export const fallbackLivenessThreshold = 0.5;

/** The pack's second opinion and the threshold under which it challenges (null: the pack has none). */
export interface SecondOpinionInfo {
  model: string;
  threshold: number;
}

/** Upstream face-antispoof-onnx's decision point, used when a pack names a second opinion but no threshold. */
export const fallbackSecondOpinionThreshold = 0.5;

export type LivenessAvailability =
  | {
      state: 'ready';
      estimator: LivenessEstimator;
      models: string[];
      threshold: number;
      secondOpinion: SecondOpinionInfo | null;
      message: null;
    }
  | {
      state: 'unavailable';
      estimator: null;
      models: string[];
      threshold: null;
      secondOpinion: null;
      message: string;
    };

export interface PackLivenessOptions {
  providers?: ProviderName[];
  threads?: number;
  /** Overrides the pack's measured threshold (settings.liveness.threshold); null or absent keeps it. */
  threshold?: number | null;
  judgeRule?: JudgeRule;
}

/**
 * Loads the pack's liveness models. Never throws: a pack without liveness, or models that fail to
 * load, give 'unavailable' with a sentence for the status screen, so the caller can fail closed
 * (door shut) while attendance carries on if the admin allows it.
 */
export async function loadPackLiveness(
  pack: ResolvedPack,
  options: PackLivenessOptions = {},
): Promise<LivenessAvailability> {
  const ids = pack.liveness.map((m) => m.spec.id);
  // The second opinion is part of the judge when the pack names it: missing or broken, the door stays shut.
  const all = [...ids, ...(pack.secondOpinion ? [pack.secondOpinion.spec.id] : [])];
  const missing = pack.missingLiveness.map((m) => m.id);
  // The threshold was measured for the models together: one of a pair alone is not the same judge.
  if (missing.length > 0) {
    return {
      state: 'unavailable',
      estimator: null,
      models: [...ids, ...missing],
      threshold: null,
      secondOpinion: null,
      message:
        `The liveness model file(s) of pack '${pack.spec.id}' (${pack.missingLiveness.map((m) => `${m.folder ? `${m.folder}/` : ''}${m.fileName}`).join(', ')}) ` +
        'were not found in the model folders, so the door stays shut. Put them in the models folder ' +
        "(see 'facegate models'), or turn 'liveness required for the door' off.",
    };
  }
  if (ids.length === 0) {
    return {
      state: 'unavailable',
      estimator: null,
      models: [],
      threshold: null,
      secondOpinion: null,
      message:
        `Model pack '${pack.spec.id}' has no liveness model, so a printed photo could not be told from a face: ` +
        "the door stays shut. Choose a pack with liveness (e.g. 'open') or turn 'liveness required for the door' off.",
    };
  }
  const threshold = options.threshold ?? pack.spec.livenessThreshold ?? fallbackLivenessThreshold;
  try {
    const estimator = await LivenessEstimator.load(
      pack.liveness,
      {
        detectorKind: pack.detector.spec.kind,
        threshold,
        ...(options.judgeRule ? { judgeRule: options.judgeRule } : {}),
        ...(options.providers ? { providers: options.providers } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      },
      pack.secondOpinion,
    );
    const secondOpinion = pack.secondOpinion
      ? {
          model: pack.secondOpinion.spec.id,
          threshold: pack.spec.livenessSecondOpinionThreshold ?? fallbackSecondOpinionThreshold,
        }
      : null;
    return { state: 'ready', estimator, models: ids, threshold, secondOpinion, message: null };
  } catch (error) {
    return {
      state: 'unavailable',
      estimator: null,
      models: ids,
      threshold: null,
      secondOpinion: null,
      message:
        `The liveness model(s) ${all.join(', ')} of pack '${pack.spec.id}' could not be loaded, so the door ` +
        `stays shut: ${toErrorInfo(error).message}`,
    };
  }
}

/** Loads the pack's liveness and adds it to the analyzer as the stage after detection. */
export async function attachLiveness(
  analyzer: FaceAnalyzer,
  pack: ResolvedPack,
  options: PackLivenessOptions = {},
): Promise<LivenessAvailability> {
  const availability = await loadPackLiveness(pack, options);
  if (availability.estimator) analyzer.addStage(availability.estimator.stage(), 'detect');
  return availability;
}
