import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError } from '../../core/errors';
import { recognizerOf } from '../../core/gallery/face-engine';
import { importFolder, planImport } from '../../core/gallery/import-folder';
import { stringOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { analyzerCliHelp, analyzerCliOptions, withAnalyzer } from './detect';
import {
  cliActor,
  databaseHelp,
  databaseOptions,
  gateHelp,
  gateOptions,
  matchRule,
  withGallery,
  qualityGates,
} from './people';

export const importCommand: Command = {
  name: 'import',
  summary: 'Enrol a folder of photos: DIR/<Name>/*.jpg or DIR/<Name>.jpg, <Name>_2.jpg',
  usage: 'DIR [--dry-run] [--group G] [--force] [--strict] [--json]',
  options: {
    ...databaseOptions,
    ...analyzerCliOptions,
    ...gateOptions,
    group: { type: 'string' },
    force: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    threshold: { type: 'string' },
  },
  help: [
    'One person per sub-folder (DIR/Ada_Lovelace/1.jpg) or per file name (DIR/Ada_Lovelace.jpg,',
    'DIR/Ada_Lovelace_2.jpg); underscores become spaces. Existing people are matched by name. Every photo',
    'goes through the enrolment quality gates and the duplicate check. Running it again adds nothing twice:',
    'each imported file is remembered by its content hash. Progress goes to stderr; the report of refused',
    'images and why comes at the end. Before anything is written it says how it reads the names (sub-folders',
    'or file names) and which names several numbered files were folded into. The photos of one name must show',
    'one person: a name whose photos do not match each other is stopped (nothing enrolled for it).',
    'A usable photo that misses a quality gate (small, a little blurred or turned) is enrolled with a note;',
    'only photos past the measured refusal limits are refused (docs/gallery.md).',
    '',
    '  --dry-run             show the names and files the import would use, write nothing',
    '  --strict              refuse every photo that misses a quality gate (no notes)',
    '  --group G             group of the people this import creates',
    '  --force               enrol faces that match another person too',
    "  --threshold T         similarity that counts as the same person (default: the app's, else the pack's)",
    gateHelp,
    '',
    databaseHelp,
    analyzerCliHelp,
    '',
    `Exit status: 0 when nothing was refused, ${exitCodes.dataError} when some images were refused.`,
  ].join('\n'),
  async run(ctx) {
    const [folder] = ctx.positionals;
    if (!folder || ctx.positionals.length > 1)
      throw new FaceGateError('INVALID_INPUT', 'Give one folder: facegate import DIR');
    const plan = planImport(folder);
    if (ctx.values['dry-run']) {
      if (ctx.json) writeJson(ctx, plan);
      else {
        ctx.stdout.write(`${plan.summary.join('\n')}\n`);
        for (const person of plan.people) ctx.stdout.write(`  ${person.name}: ${person.files.join(', ')}\n`);
        ctx.stdout.write('Dry run: nothing was written.\n');
      }
      return exitCodes.ok;
    }
    for (const line of plan.summary) ctx.stderr.write(`${line}\n`);
    return withGallery(ctx, async (gallery) => {
      return withAnalyzer(ctx, async (analyzer) => {
        gallery.useModel(recognizerOf(analyzer));
        const report = await importFolder(gallery, folder, {
          engine: analyzer,
          duplicateThreshold: matchRule(
            ctx,
            gallery,
            analyzer.info,
            // Photos not imported before: the templates this import may add (a re-run adds none).
            plan.people
              .flatMap((p) => p.files)
              .filter((file) => {
                try {
                  const sha = createHash('sha256')
                    .update(readFileSync(path.join(folder, file)))
                    .digest('hex');
                  return !gallery.db.sqlite.prepare('SELECT 1 FROM import_sources WHERE sha256 = ?').get(sha);
                } catch {
                  return false;
                }
              }).length,
          ).threshold,
          gates: qualityGates(ctx, gallery),
          force: Boolean(ctx.values.force),
          strict: Boolean(ctx.values.strict),
          group: stringOption(ctx, 'group') ?? null,
          actor: cliActor,
          onProgress: (p) =>
            ctx.stderr.write(
              `[${p.index}/${p.total}] ${p.item.relPath}: ${p.outcome.replace('_', ' ')}${p.outcome === 'added' ? ` (${p.item.name})` : ''}\n`,
            ),
        });
        if (ctx.json) writeJson(ctx, report);
        else {
          ctx.stdout.write(
            `Imported ${report.folder}: ${report.images} image(s), ${report.added} added ` +
              `(${report.peopleCreated} new people), ${report.alreadyImported} imported before, ${report.refused.length} refused.\n`,
          );
          if (report.noted.length) {
            ctx.stdout.write(
              'Enrolled with a note (usable, not ideal; a better photo can be added later):\n',
            );
            for (const n of report.noted) ctx.stdout.write(`  ${n.file}: ${n.notes.join(' ')}\n`);
          }
          if (report.refused.length) {
            ctx.stdout.write('Refused:\n');
            for (const r of report.refused) ctx.stdout.write(`  ${r.file}: ${r.reason}: ${r.message}\n`);
          }
        }
        return report.refused.length ? exitCodes.dataError : exitCodes.ok;
      });
    });
  },
};
