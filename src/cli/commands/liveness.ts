import { numberOption, writeJson, type Command, type CommandContext } from '../command';
import { exitCodeFor, exitCodes } from '../exit-codes';
import { FaceGateError, toErrorInfo } from '../../core/errors';
import { analyzeFile, detectionToJson, FaceAnalyzer } from '../../core/face';
import { attachLiveness, type LivenessAvailability } from '../../core/face/liveness';
import type { AnalyzedFace } from '../../core/face/types';
import { resolvePack } from '../../core/models';
import type { CannotJudgeReason } from '../../shared/access';
import { analyzerCliHelp, analyzerCliOptions, analyzerOptionsFrom } from './detect';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** What to tell the person in front of the camera for each cannot-judge reason. */
export const cannotJudgeAdvice: Record<CannotJudgeReason, string> = {
  face_too_small: 'the face is too small for the liveness check: come closer',
  face_too_close: 'the face fills the frame, leaving no background to check: step back',
  face_at_edge: 'the face is at the edge of the frame: move to the centre',
};

export interface LivenessPipeline {
  analyzer: FaceAnalyzer;
  liveness: LivenessAvailability & { state: 'ready' };
  release(): Promise<void>;
}

/** The pack's face pipeline with its liveness stage; a pack without working liveness is an error here. */
export async function loadLivenessPipeline(ctx: CommandContext): Promise<LivenessPipeline> {
  const threshold = numberOption(ctx, 'threshold');
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new FaceGateError('INVALID_INPUT', `--threshold must be between 0 and 1, got ${threshold}.`);
  }
  // eval-liveness only: overrides every model's context margin (docs/liveness.md).
  const contextMargin = numberOption(ctx, 'context-margin');
  if (contextMargin !== undefined && !(contextMargin >= 0 && contextMargin <= 1)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `--context-margin must be between 0 and 1, got ${contextMargin}.`,
    );
  }
  const options = analyzerOptionsFrom(ctx);
  const analyzer = await FaceAnalyzer.load(options);
  try {
    const pack = await resolvePack(analyzer.info.pack);
    const liveness = await attachLiveness(analyzer, pack, {
      threshold,
      ...(contextMargin !== undefined ? { judgeRule: { minContextMargin: contextMargin } } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    });
    if (liveness.state !== 'ready') throw new FaceGateError('MODEL_LOAD', liveness.message);
    return {
      analyzer,
      liveness,
      // The liveness stage's models go with the analyzer.
      release: () => analyzer.release(),
    };
  } catch (error) {
    await analyzer.release();
    throw error;
  }
}

export function livenessToJson(face: AnalyzedFace) {
  const result = face.liveness;
  return {
    ...detectionToJson(face),
    liveness: result
      ? {
          score: round(result.score, 4),
          verdict: result.verdict,
          models: result.models,
          ...(result.reason ? { reason: result.reason } : {}),
        }
      : null,
  };
}

function describe(face: AnalyzedFace): string {
  const result = face.liveness;
  if (!result) return 'liveness not run';
  if (result.verdict === 'cannot_judge') {
    const advice = cannotJudgeAdvice[result.reason as CannotJudgeReason] ?? result.reason;
    return `cannot judge (${advice})`;
  }
  return `score ${result.score.toFixed(3)}  ${result.verdict}`;
}

export const livenessCommand: Command = {
  name: 'liveness',
  summary: 'Tell live faces from printed photos and screen replays, per face',
  usage: 'IMAGE... [--pack ID] [--threshold T] [--max-faces N] [--json]',
  options: {
    ...analyzerCliOptions,
    threshold: { type: 'string' },
    'max-faces': { type: 'string' },
  },
  help: [
    "Runs the pack's liveness model(s) on every face (the 'open' pack: MiniFASNet V2 at 2.7x and V1SE at",
    "4.0x context; 'starter': the npm pack's fr_liveness). Score in [0, 1], higher is more likely live;",
    'verdict live, spoof, or cannot_judge when the face is too small, too close or at the frame edge for',
    'the context crop (score 0). One photo is one frame: the door uses several (docs/liveness.md).',
    '',
    "  --threshold T         live when the score is at least T (default: the pack's measured threshold)",
    '  --max-faces N         judge at most N faces per image, main face first',
    '',
    analyzerCliHelp,
    '',
    `An image that cannot be read is reported and the others are still processed; the exit status is then ${exitCodes.noInput}.`,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length === 0) {
      throw new FaceGateError('INVALID_INPUT', 'Give at least one image: facegate liveness IMAGE...');
    }
    const maxFaces = numberOption(ctx, 'max-faces');
    const pipeline = await loadLivenessPipeline(ctx);
    const { analyzer, liveness } = pipeline;
    try {
      if (!ctx.json) {
        ctx.stdout.write(
          `pack ${analyzer.info.pack}: ${liveness.models.join(' + ')}, threshold ${liveness.threshold}\n`,
        );
      }
      let status: number = exitCodes.ok;
      const images = [];
      for (const file of ctx.positionals) {
        try {
          const { result } = await analyzeFile(analyzer, file, { maxFaces, embed: false, liveness: true });
          images.push({
            file,
            width: result.width,
            height: result.height,
            faces: result.faces.map(livenessToJson),
            livenessMs: round(result.timings.liveness, 2),
          });
          if (!ctx.json) {
            const count = result.faces.length;
            ctx.stdout.write(
              `${file}: ${count === 0 ? 'no face' : `${count} face${count === 1 ? '' : 's'}`}\n`,
            );
            result.faces.forEach((face, i) => {
              const { x1, y1, x2, y2 } = face.box;
              const box = `${Math.round(x1)},${Math.round(y1)} - ${Math.round(x2)},${Math.round(y2)}`;
              ctx.stdout.write(`  face ${i + 1}  box ${box}  ${describe(face)}\n`);
            });
          }
        } catch (error) {
          const info = toErrorInfo(error);
          if (info.code === 'INTERNAL') throw error;
          status = Math.max(status, exitCodeFor(info.code));
          images.push({ file, error: info });
          ctx.stderr.write(`facegate liveness: ${info.message}\n`);
        }
      }
      if (ctx.json) {
        writeJson(ctx, {
          pack: analyzer.info.pack,
          models: liveness.models,
          threshold: liveness.threshold,
          images,
        });
      }
      return status;
    } finally {
      await pipeline.release();
    }
  },
};
