import type { IdentifyResult } from '../../shared/people';
import { FaceGateError } from '../../core/errors';
import { analyzeFile } from '../../core/face';
import { recognizerOf } from '../../core/gallery/face-engine';
import { numberOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { analyzerCliHelp, analyzerCliOptions, withAnalyzer } from './detect';
import { databaseHelp, databaseOptions, matchHelp, matchOptions, matchRule, withGallery } from './people';

export const identifyCommand: Command = {
  name: 'identify',
  summary: 'Who is this? 1:N search of the main face of an image in the gallery',
  usage: 'IMAGE... [--threshold T] [--margin M] [--top K] [--json]',
  options: { ...databaseOptions, ...analyzerCliOptions, ...matchOptions, top: { type: 'string' } },
  help: [
    'The decision is open-set: "known" only when the best person reaches the threshold AND leads the',
    'best other person by the margin; otherwise "unknown" (with the reason), or "no_face".',
    'JSON: {"decision", "person", "similarity", "reason", "threshold", "margin", "candidates": [...]}',
    '(an array of those, with "file", for several images).',
    '',
    matchHelp,
    '  --top K               candidates listed (default 5)',
    '',
    databaseHelp,
    analyzerCliHelp,
    '',
    `Exit status: 0 when decided (known or unknown), ${exitCodes.noFace} when an image holds no face.`,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length === 0)
      throw new FaceGateError('INVALID_INPUT', 'Give an image: facegate identify IMAGE');
    const top = numberOption(ctx, 'top') ?? 5;
    if (!Number.isInteger(top) || top < 1)
      throw new FaceGateError('INVALID_INPUT', `--top must be 1 or more, got ${top}.`);
    return withGallery(ctx, async (gallery) => {
      return withAnalyzer(ctx, async (analyzer) => {
        gallery.useModel(recognizerOf(analyzer));
        const rule = matchRule(ctx, gallery, analyzer.info);
        let status: number = exitCodes.ok;
        const answers: (IdentifyResult & { file: string })[] = [];
        for (const file of ctx.positionals) {
          const { result } = await analyzeFile(analyzer, file, { embed: 'main' });
          const face = result.faces[0];
          if (!face?.embedding) {
            status = exitCodes.noFace;
            answers.push({
              file,
              decision: 'no_face',
              person: null,
              similarity: null,
              reason: null,
              ...rule,
              candidates: [],
            });
          } else answers.push({ file, ...gallery.identify(face.embedding, rule, top) });
        }
        if (ctx.json) {
          const strip = ({ file: _file, ...answer }: IdentifyResult & { file: string }) => answer;
          writeJson(ctx, answers.length === 1 ? strip(answers[0]) : answers);
        } else {
          for (const a of answers) {
            const head =
              a.decision === 'known'
                ? `${a.person!.name} (id ${a.person!.id}), similarity ${a.similarity!.toFixed(4)}`
                : a.decision === 'no_face'
                  ? 'no face found'
                  : `unknown (${a.reason?.replace('_', ' ')}${a.similarity !== null ? `, best ${a.similarity.toFixed(4)}` : ''})`;
            ctx.stdout.write(`${a.file}: ${head}\n`);
            for (const c of a.candidates)
              ctx.stdout.write(`  ${c.score.toFixed(4)}  ${c.name} (id ${c.personId})\n`);
          }
        }
        return status;
      });
    });
  },
};
