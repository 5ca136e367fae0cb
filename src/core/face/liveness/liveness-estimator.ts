import { createModelSession, type ProviderName, type ResolvedModel } from '../../models';
import type { RgbImage } from '../../image/types';
import type { PipelineStage } from '../face-analyzer';
import type { Box, LivenessResult } from '../types';
import type { FrameSize } from './crop';
import type { JudgeRule } from './judge';
import { LivenessModel, type LivenessView } from './liveness-model';
import { SecondOpinionModel } from './second-opinion';

export interface LivenessEstimatorOptions {
  /** Kind of the detector whose boxes will be given (scrfd, yunet, ultraface): picks the box adapter. */
  detectorKind: string;
  /** Score at or above which a face is live. */
  threshold: number;
  /** Overrides every model's judge rule (its measured margin, else defaultJudgeRule). */
  judgeRule?: JudgeRule;
}

export interface LivenessLoadOptions extends LivenessEstimatorOptions {
  providers?: ProviderName[];
  /**
   * Intra-op threads per model. Unset: one for the pair's small models (80x80 crops: a second
   * thread saves them no time and costs about 4 ms CPU a frame, docs/liveness.md "Cost"), the
   * cores for the second opinion.
   */
  threads?: number;
}

/**
 * A pack's liveness models as one judge: each model scores its own context crop, the score is
 * the mean of their live-class probabilities (Silent-Face sums the softmaxes of its two models),
 * and the face is live when the score reaches the pack's threshold. A face that any model cannot
 * judge from its crop (too small, too close, at the frame edge) is 'cannot_judge', score 0.
 */
export class LivenessEstimator {
  readonly modelIds: string[];

  constructor(
    private readonly models: LivenessModel[],
    readonly options: LivenessEstimatorOptions,
    /** The pack's second opinion (catalog livenessSecondOpinion), run only when asked for. */
    private readonly second: SecondOpinionModel | null = null,
  ) {
    this.modelIds = models.map((m) => m.modelId);
  }

  /**
   * Opens a session per model (with provider fallback) and warms each up; `second` is the pack's
   * second opinion. Throws when any of them fails to load: the caller fails closed.
   */
  static async load(
    resolved: ResolvedModel[],
    options: LivenessLoadOptions,
    second?: ResolvedModel,
  ): Promise<LivenessEstimator> {
    const sessionOptions = {
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    };
    const pairOptions = { ...sessionOptions, intraOpNumThreads: options.threads ?? 1 };
    const models = await Promise.all(
      resolved.map(
        async (model) => new LivenessModel(await createModelSession(model.path, pairOptions), model.spec),
      ),
    );
    const secondModel = second
      ? new SecondOpinionModel(await createModelSession(second.path, sessionOptions), second.spec)
      : null;
    const estimator = new LivenessEstimator(models, options, secondModel);
    const blank: RgbImage = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) };
    for (const model of models) {
      await model.liveProbability(blank, {
        rect: { left: 0, top: 0, right: 63, bottom: 63 },
        requestedScale: 1,
        appliedScale: 1,
      });
    }
    await secondModel?.liveProbability(blank, { x1: 8, y1: 8, x2: 56, y2: 56 });
    return estimator;
  }

  /** The second opinion's model id, or null when the pack has none. */
  get secondOpinion(): string | null {
    return this.second?.modelId ?? null;
  }

  get threshold(): number {
    return this.options.threshold;
  }

  /** What each model would look at for this face (for tests, the CLI and debugging). */
  views(frame: FrameSize, box: Box): LivenessView[] {
    return this.models.map((m) => m.view(frame, box, this.options.detectorKind, this.options.judgeRule));
  }

  /** The pair's score; with `second` (and a second opinion in the pack) also the second opinion's. */
  async estimate(image: RgbImage, box: Box, second = false): Promise<LivenessResult> {
    const views = this.views(image, box);
    const blocked = views.find((v) => v.cannotJudge);
    if (blocked?.cannotJudge) {
      return { score: 0, verdict: 'cannot_judge', models: this.modelIds, reason: blocked.cannotJudge };
    }
    let sum = 0;
    for (let i = 0; i < this.models.length; i++)
      sum += await this.models[i].liveProbability(image, views[i].crop);
    const score = sum / this.models.length;
    const result: LivenessResult = {
      score,
      verdict: score >= this.options.threshold ? 'live' : 'spoof',
      models: this.modelIds,
    };
    if (second && this.second) result.second = await this.second.liveProbability(image, box);
    return result;
  }

  /**
   * The FaceAnalyzer stage: scores every detected face when analyze() is called with liveness: true.
   * The analyzer's release() releases the models too.
   */
  stage(): PipelineStage {
    return {
      name: 'liveness',
      run: async (context) => {
        if (!context.options.liveness) return;
        // The second opinion costs about twice the pair: the main face only, and only when asked.
        const second = context.options.secondOpinion === true;
        for (const [i, face] of context.faces.entries()) {
          // A tracker may keep a face's earlier verdict (not the main face's: the policy judges it).
          if (context.selection?.liveness[i] === false) continue;
          face.liveness = await this.estimate(context.image, face.box, second && i === 0);
        }
      },
      release: () => this.release(),
    };
  }

  async release(): Promise<void> {
    await Promise.all([...this.models.map((m) => m.release()), this.second?.release()]);
  }
}
