import { numberOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { analyzeFile, cosineSimilarity, detectionToJson, requireMainFace } from '../../core/face';
import { FaceGateError } from '../../core/errors';
import { analyzerCliHelp, analyzerCliOptions, loadAnalyzer } from './detect';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Decide whether two images show the same person (1:1)',
  usage: 'A B [--pack ID] [--threshold T] [--json]',
  options: { ...analyzerCliOptions, threshold: { type: 'string' } },
  help: [
    'Compares the main faces of A and B: cosine similarity of their embeddings against the threshold',
    "(default: the pack's measured threshold, see `facegate models`).",
    '',
    '  --threshold T         cosine similarity at or above which the two are the same person',
    '',
    analyzerCliHelp,
    '',
    `Exit status: 0 when decided (same or different: read "same" or the message), ${exitCodes.noFace} when an`,
    `image holds no face, ${exitCodes.noInput} when an image cannot be read.`,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length !== 2) {
      throw new FaceGateError('INVALID_INPUT', 'Give exactly two images: facegate verify A B');
    }
    const [fileA, fileB] = ctx.positionals;
    const analyzer = await loadAnalyzer(ctx);
    try {
      const threshold = numberOption(ctx, 'threshold') ?? analyzer.info.threshold;
      const a = requireMainFace((await analyzeFile(analyzer, fileA, { embed: 'main' })).result, fileA);
      const b = requireMainFace((await analyzeFile(analyzer, fileB, { embed: 'main' })).result, fileB);
      const similarity = cosineSimilarity(a.embedding, b.embedding);
      const same = similarity >= threshold;
      if (ctx.json) {
        writeJson(ctx, {
          similarity: Number(similarity.toFixed(6)),
          threshold,
          same,
          pack: analyzer.info.pack,
          a: { file: fileA, face: detectionToJson(a) },
          b: { file: fileB, face: detectionToJson(b) },
        });
      } else {
        const verdict = same ? 'same person' : 'different people';
        const relation = same ? '>=' : '<';
        ctx.stdout.write(
          `${verdict}: similarity ${similarity.toFixed(4)} ${relation} threshold ${threshold} (pack ${analyzer.info.pack})\n`,
        );
      }
      return exitCodes.ok;
    } finally {
      await analyzer.release();
    }
  },
};
