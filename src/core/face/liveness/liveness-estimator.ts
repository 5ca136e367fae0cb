import { createModelSession, type ProviderName, type ResolvedModel } from '../../models';
import type { RgbImage } from '../../image/types';
import type { PipelineStage } from '../face-analyzer';
import type { Box, LivenessResult } from '../types';
import type { FrameSize } from './crop';
import { defaultJudgeRule, type JudgeRule } from './judge';
import { LivenessModel, type LivenessView } from './liveness-model';

export interface LivenessEstimatorOptions {
  /** Kind of the detector whose boxes will be given (scrfd, yunet, ultraface): picks the box adapter. */
  detectorKind: string;
  /** Score at or above which a face is live. */
  threshold: number;
  judgeRule?: JudgeRule;
}

export interface LivenessLoadOptions extends LivenessEstimatorOptions {
  providers?: ProviderName[];
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
  ) {
    this.modelIds = models.map((m) => m.modelId);
  }

  /** Opens a session per model (with provider fallback) and warms each up. */
  static async load(resolved: ResolvedModel[], options: LivenessLoadOptions): Promise<LivenessEstimator> {
    const sessionOptions = {
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    };
    const models = await Promise.all(
      resolved.map(
        async (model) => new LivenessModel(await createModelSession(model.path, sessionOptions), model.spec),
      ),
    );
    const estimator = new LivenessEstimator(models, options);
    const blank: RgbImage = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) };
    for (const model of models) {
      await model.liveProbability(blank, {
        rect: { left: 0, top: 0, right: 63, bottom: 63 },
        requestedScale: 1,
        appliedScale: 1,
      });
    }
    return estimator;
  }

  get threshold(): number {
    return this.options.threshold;
  }

  /** What each model would look at for this face (for tests, the CLI and debugging). */
  views(frame: FrameSize, box: Box): LivenessView[] {
    return this.models.map((m) =>
      m.view(frame, box, this.options.detectorKind, this.options.judgeRule ?? defaultJudgeRule),
    );
  }

  async estimate(image: RgbImage, box: Box): Promise<LivenessResult> {
    const views = this.views(image, box);
    const blocked = views.find((v) => v.cannotJudge);
    if (blocked?.cannotJudge) {
      return { score: 0, verdict: 'cannot_judge', models: this.modelIds, reason: blocked.cannotJudge };
    }
    let sum = 0;
    for (let i = 0; i < this.models.length; i++)
      sum += await this.models[i].liveProbability(image, views[i].crop);
    const score = sum / this.models.length;
    return { score, verdict: score >= this.options.threshold ? 'live' : 'spoof', models: this.modelIds };
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
        for (const face of context.faces) face.liveness = await this.estimate(context.image, face.box);
      },
      release: () => this.release(),
    };
  }

  async release(): Promise<void> {
    await Promise.all(this.models.map((m) => m.release()));
  }
}
