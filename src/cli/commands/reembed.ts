import { reembedGallery } from '../../core/gallery/reembed';
import { writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { analyzerCliHelp, analyzerCliOptions, withAnalyzer } from './detect';
import { cliActor, databaseHelp, databaseOptions, withGallery } from './people';

export const reembedCommand: Command = {
  name: 'reembed',
  summary: "Embed every stored face crop with a pack's recognizer (after a model change)",
  usage: '--pack ID [--json]',
  options: { ...databaseOptions, ...analyzerCliOptions },
  help: [
    "Each template keeps its aligned 112x112 crop, so a new recognizer can embed everyone's faces without",
    'them coming back to the desk. Templates that already have an embedding from this exact model file are',
    'skipped, so it can be run again. Templates enrolled without a crop are listed: enrol those people again.',
    '',
    databaseHelp,
    analyzerCliHelp,
  ].join('\n'),
  async run(ctx) {
    return withGallery(ctx, async (gallery) => {
      return withAnalyzer(ctx, async (analyzer) => {
        const report = await reembedGallery(gallery, analyzer, {
          actor: cliActor,
          onProgress: (done, total) => {
            if (done === total || done % 50 === 0) ctx.stderr.write(`re-embedded ${done}/${total}\n`);
          },
        });
        if (ctx.json) writeJson(ctx, { pack: analyzer.info.pack, ...report });
        else {
          ctx.stdout.write(
            `${analyzer.info.pack} (${report.model}): ${report.embedded} of ${report.needed} template(s) embedded` +
              `${report.withoutCrop.length ? `, ${report.withoutCrop.length} without a crop (enrol again)` : ''}` +
              `${report.failed.length ? `, ${report.failed.length} failed` : ''}.\n`,
          );
          for (const f of report.failed) ctx.stdout.write(`  template ${f.templateId}: ${f.message}\n`);
        }
        return report.failed.length || report.withoutCrop.length ? exitCodes.dataError : exitCodes.ok;
      });
    });
  },
};
