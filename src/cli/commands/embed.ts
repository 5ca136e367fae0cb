import { writeJson, type Command } from '../command';
import { analyzeFile, requireMainFace, detectionToJson } from '../../core/face';
import { FaceGateError } from '../../core/errors';
import { analyzerCliHelp, analyzerCliOptions, loadAnalyzer } from './detect';

export const embedCommand: Command = {
  name: 'embed',
  summary: 'Print the embedding of the main face of an image',
  usage: 'IMAGE [--pack ID] [--json]',
  options: { ...analyzerCliOptions },
  help: [
    'The main face is the largest one nearest the centre. The embedding is L2-normalised: the cosine',
    'similarity of two embeddings of the same model is their dot product. A pack that fuses',
    "recognizers reports them as one model: their ids joined with '+'; its embedding is their",
    'L2-normalised embeddings concatenated and normalised again.',
    '',
    analyzerCliHelp,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length !== 1) {
      throw new FaceGateError('INVALID_INPUT', 'Give exactly one image: facegate embed IMAGE');
    }
    const [file] = ctx.positionals;
    const analyzer = await loadAnalyzer(ctx);
    try {
      const { result } = await analyzeFile(analyzer, file, { embed: 'main' });
      const face = requireMainFace(result, file);
      const { recognizer } = analyzer.info;
      const embedding = Array.from(face.embedding, (v) => Number(v.toFixed(6)));
      if (ctx.json) {
        writeJson(ctx, {
          file,
          pack: analyzer.info.pack,
          model: recognizer.id,
          modelSha256: recognizer.sha256,
          size: embedding.length,
          face: detectionToJson(face),
          embedding,
        });
      } else {
        ctx.stdout.write(
          `${file}: ${embedding.length}-d embedding from ${recognizer.id} (pack ${analyzer.info.pack})\n`,
        );
        ctx.stdout.write(`${embedding.join(' ')}\n`);
      }
      return 0;
    } finally {
      await analyzer.release();
    }
  },
};
