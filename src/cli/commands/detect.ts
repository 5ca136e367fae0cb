import {
  numberOption,
  stringOption,
  writeJson,
  type Command,
  type CommandContext,
  type OptionSpec,
} from '../command';
import { exitCodeFor, exitCodes } from '../exit-codes';
import { FaceGateError, toErrorInfo } from '../../core/errors';
import {
  analyzeFile,
  detectionToJson,
  FaceAnalyzer,
  timingsToJson,
  type FaceAnalyzerOptions,
} from '../../core/face';
import type { ProviderName } from '../../core/models';

/** Options of every command that loads a face pipeline (detect, embed, verify, eval, bench). */
export const analyzerCliOptions: OptionSpec = {
  pack: { type: 'string' },
  providers: { type: 'string' },
  'det-size': { type: 'string' },
  'det-shape': { type: 'string' },
  'det-threshold': { type: 'string' },
  threads: { type: 'string' },
};

export const analyzerCliHelp = [
  'Pipeline options:',
  '  --pack ID             model pack (default: the first available of the catalog defaults, e.g. open, starter)',
  '  --providers LIST      execution providers in order, comma-separated (cuda,dml,coreml,webgpu,cpu; default cpu)',
  '  --det-size N          detector input size for models that accept any (SCRFD), a multiple of 32',
  '  --det-shape S         frame (default): a landscape image in an input cut to its shape (640x480 for 4:3),',
  "                        a quarter less work; square: letterbox every image into the detector's square input",
  "  --det-threshold T     minimum detection score (default: the model's own, from the catalog)",
  '  --threads N           threads per model (default: the cores available)',
].join('\n');

/** FaceAnalyzer.load options from the pipeline options above. */
export function analyzerOptionsFrom(ctx: CommandContext): FaceAnalyzerOptions {
  const providers = stringOption(ctx, 'providers')
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean) as ProviderName[] | undefined;
  const detSize = numberOption(ctx, 'det-size');
  const detShape = stringOption(ctx, 'det-shape');
  if (detShape !== undefined && detShape !== 'square' && detShape !== 'frame')
    throw new FaceGateError('INVALID_INPUT', `--det-shape must be square or frame, got '${detShape}'.`);
  return {
    ...(detShape ? { detShape } : {}),
    pack: stringOption(ctx, 'pack'),
    providers,
    detSize,
    detThreshold: numberOption(ctx, 'det-threshold'),
    threads: numberOption(ctx, 'threads'),
  };
}

export function loadAnalyzer(ctx: CommandContext): Promise<FaceAnalyzer> {
  return FaceAnalyzer.load(analyzerOptionsFrom(ctx));
}

/** Runs work with the analyzer of the command's options loaded, releasing it afterwards. */
export async function withAnalyzer<T>(
  ctx: CommandContext,
  work: (analyzer: FaceAnalyzer) => Promise<T>,
): Promise<T> {
  const analyzer = await loadAnalyzer(ctx);
  try {
    return await work(analyzer);
  } finally {
    await analyzer.release();
  }
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'Find the faces in images: boxes, 5 landmarks and scores',
  usage: 'IMAGE... [--pack ID] [--max-faces N] [--min-face-size PX] [--json]',
  options: {
    ...analyzerCliOptions,
    'max-faces': { type: 'string' },
    'min-face-size': { type: 'string' },
  },
  help: [
    'Faces are listed main face first (largest, nearest the centre). Landmarks, in order: image-left eye,',
    'image-right eye, nose tip, image-left mouth corner, image-right mouth corner.',
    '',
    '  --max-faces N         keep at most N faces per image',
    '  --min-face-size PX    ignore faces whose box is smaller than PX pixels on its shorter side',
    '',
    analyzerCliHelp,
    '',
    'An image that cannot be read is reported and the others are still processed; the exit status is then',
    `${exitCodes.noInput}.`,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length === 0) {
      throw new FaceGateError('INVALID_INPUT', 'Give at least one image: facegate detect IMAGE...');
    }
    const maxFaces = numberOption(ctx, 'max-faces');
    const minFaceSize = numberOption(ctx, 'min-face-size');
    const analyzer = await loadAnalyzer(ctx);
    try {
      let status: number = exitCodes.ok;
      const images = [];
      for (const file of ctx.positionals) {
        try {
          const { result } = await analyzeFile(analyzer, file, { maxFaces, minFaceSize, embed: false });
          const faces = result.faces.map(detectionToJson);
          images.push({
            file,
            width: result.width,
            height: result.height,
            faces,
            timings: timingsToJson(result.timings),
          });
          if (!ctx.json) {
            ctx.stdout.write(
              `${file}: ${faces.length} face${faces.length === 1 ? '' : 's'} (${result.width}x${result.height})\n`,
            );
            for (const face of faces) {
              const { x1, y1, x2, y2 } = face.box;
              ctx.stdout.write(`  score ${face.score.toFixed(3)}  box ${x1},${y1} - ${x2},${y2}\n`);
            }
          }
        } catch (error) {
          const info = toErrorInfo(error);
          if (info.code === 'INTERNAL') throw error;
          status = Math.max(status, exitCodeFor(info.code));
          images.push({ file, error: info });
          ctx.stderr.write(`facegate detect: ${info.message}\n`);
        }
      }
      if (ctx.json)
        writeJson(ctx, { pack: analyzer.info.pack, detector: analyzer.info.models[0].id, images });
      return status;
    } finally {
      await analyzer.release();
    }
  },
};
