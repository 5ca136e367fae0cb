import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError } from '../../core/errors';
import { recognizerOf } from '../../core/gallery/face-engine';
import { importFolder, planImport } from '../../core/gallery/import-folder';
import { AccessRulesStore } from '../../core/gallery/access-rules-store';
import { importRosterRow, planRoster } from '../../core/gallery/roster-import';
import { decodeImage } from '../../core/image/decode';
import type { FaceAnalyzer } from '../../core/face';
import type { RosterPlan, RosterRowResult } from '../../shared/roster';
import { stringOption, writeJson, type Command, type CommandContext } from '../command';
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
import { withWrites } from './site-writes';

export const importCommand: Command = {
  name: 'import',
  summary: 'Enrol a folder of photos: DIR/<Name>/*.jpg or DIR/<Name>.jpg, <Name>_2.jpg',
  usage: 'DIR [--dry-run] [--group G] [--force] [--strict] [--json] | --roster ROSTER.csv DIR [--dry-run]',
  options: {
    ...databaseOptions,
    ...analyzerCliOptions,
    ...gateOptions,
    group: { type: 'string' },
    force: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    threshold: { type: 'string' },
    roster: { type: 'string' },
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
    '  --roster FILE         import the people of a roster CSV (columns: name, employee code, groups,',
    '                        photo) with their photos from DIR: each row is added or updated (matched by',
    '                        employee code, else by name) and its photo enrolled; with --dry-run, the plan',
    '                        row by row. Several groups in one cell are separated by |.',
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
    const roster = stringOption(ctx, 'roster');
    if (roster) return importRoster(ctx, roster, folder);
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
    return withGallery(ctx, (gallery) =>
      withWrites(gallery, (writes) =>
        withAnalyzer(ctx, async (analyzer) => {
          gallery.useModel(recognizerOf(analyzer));
          // Photos not imported before: the templates this import may add (a re-run adds none).
          let newPhotos = 0;
          for (const file of plan.people.flatMap((p) => p.files)) {
            let sha: string;
            try {
              sha = createHash('sha256')
                .update(readFileSync(path.join(folder, file)))
                .digest('hex');
            } catch {
              continue;
            }
            if (!(await writes.photoRecord(sha))) newPhotos++;
          }
          const report = await importFolder(gallery, folder, {
            engine: analyzer,
            duplicateThreshold: matchRule(ctx, gallery, analyzer.info, newPhotos).threshold,
            gates: qualityGates(ctx, gallery),
            force: Boolean(ctx.values.force),
            strict: Boolean(ctx.values.strict),
            group: stringOption(ctx, 'group') ?? null,
            actor: cliActor,
            writes,
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
        }),
      ),
    );
  },
};

/** `facegate import --roster ROSTER.csv DIR`: the roster's people and their photos (docs/ui.md). */
async function importRoster(ctx: CommandContext, rosterFile: string, folder: string): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(rosterFile);
  } catch (error) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `The roster ${rosterFile} cannot be read: ${(error as Error).message}.`,
    );
  }
  const photos = photoFiles(folder);
  return withGallery(ctx, async (gallery) => {
    // Planned (and a dry run shown) from this file alone: at a site kiosk that works offline too.
    const planCtx = { gallery, access: new AccessRulesStore(gallery.db) };
    const plan = planRoster(bytes, planCtx, (name) => photos.has(name.toLowerCase()));
    if (!plan.ok) {
      if (ctx.json) writeJson(ctx, plan);
      else for (const error of plan.errors) ctx.stderr.write(`${rosterFile}: ${error.message}\n`);
      return exitCodes.dataError;
    }
    const describe = (row: RosterPlan['rows'][number]) =>
      `line ${row.line}, ${row.name || '(no name)'}: ` +
      (row.action === 'skip'
        ? 'skipped'
        : row.action === 'create'
          ? 'to add'
          : `to update ${row.person!.name} (#${row.person!.id})`) +
      (row.photoFound ? `, photo ${row.photo}` : row.photo ? '' : ', no photo') +
      row.problems.map((p) => `; ${p.message}`).join('');
    const summary =
      `Roster ${rosterFile} (${plan.encoding}, delimiter ${plan.delimiter === '\t' ? 'tab' : plan.delimiter}): ` +
      `${plan.counts.rows} rows: ${plan.counts.create} to add, ${plan.counts.update} to update, ` +
      `${plan.counts.skip} skipped; ${plan.counts.photos} photos found in ${folder}.` +
      (plan.ignoredColumns.length ? ` Ignored columns: ${plan.ignoredColumns.join(', ')}.` : '');
    if (ctx.values['dry-run']) {
      if (ctx.json) writeJson(ctx, plan);
      else {
        ctx.stdout.write(`${summary}\n`);
        for (const row of plan.rows) ctx.stdout.write(`  ${describe(row)}\n`);
        ctx.stdout.write('Dry run: nothing was written.\n');
      }
      return exitCodes.ok;
    }
    return withWrites(gallery, async (writes) => {
      const rosterCtx = { ...planCtx, writes };
      ctx.stderr.write(`${summary}\n`);
      const todo = plan.rows.filter((r) => r.action !== 'skip');
      const results: RosterRowResult[] = plan.rows
        .filter((r) => r.action === 'skip')
        .map((r) => ({
          line: r.line,
          name: r.name,
          outcome: 'skipped' as const,
          person: null,
          template: null,
          duplicateOf: null,
          problem: r.problems[0] ?? null,
        }));
      const needsFaces = todo.some((r) => r.photoFound);
      const run = async (analyzer: FaceAnalyzer | null) => {
        const model = analyzer ? recognizerOf(analyzer) : undefined;
        if (model) gallery.useModel(model);
        for (const [i, row] of todo.entries()) {
          const file = row.photo ? photos.get(row.photo.toLowerCase()) : undefined;
          let photo = null;
          if (file && analyzer) {
            const data = readFileSync(path.join(folder, file));
            photo = {
              bytes: data,
              analyse: async () => analyzer.analyze(await decodeImage(data, file), { embed: 'main' }),
            };
          }
          const result = await importRosterRow(row, rosterCtx, photo, {
            ...(model && analyzer
              ? {
                  model,
                  duplicateThreshold: matchRule(ctx, gallery, analyzer.info, todo.length).threshold,
                }
              : {}),
            gates: qualityGates(ctx, gallery),
            actor: cliActor,
          });
          results.push(result);
          ctx.stderr.write(
            `[${i + 1}/${todo.length}] line ${row.line} ${row.name}: ${result.outcome.replace('_', ' ')}` +
              (result.problem ? ` (${result.problem.message})` : '') +
              '\n',
          );
        }
      };
      if (needsFaces) await withAnalyzer(ctx, run);
      else await run(null);
      results.sort((a, b) => a.line - b.line);
      if (ctx.json) writeJson(ctx, { plan: plan.counts, results });
      else {
        const count = (o: RosterRowResult['outcome']) => results.filter((r) => r.outcome === o).length;
        ctx.stdout.write(
          `Imported ${rosterFile}: ${count('enrolled')} enrolled with a photo, ${count('added') + count('updated')} ` +
            `without one, ${count('photo_refused') + count('already_imported')} photos refused, ` +
            `${count('matched_other')} photos of someone else, ${count('skipped')} rows skipped.\n`,
        );
        for (const r of results.filter((r) => r.problem))
          ctx.stdout.write(
            `  line ${r.line}, ${r.name}: ${r.outcome.replace('_', ' ')}: ${r.problem!.message}\n`,
          );
      }
      return results.some((r) => r.outcome !== 'enrolled' && r.outcome !== 'added' && r.outcome !== 'updated')
        ? exitCodes.dataError
        : exitCodes.ok;
    });
  });
}

/** The image files directly in the photo folder, by lower-cased name. */
function photoFiles(folder: string): Map<string, string> {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `The photo folder ${folder} cannot be read: ${(error as Error).message}.`,
    );
  }
  return new Map(names.filter((n) => !n.startsWith('.')).map((n) => [n.toLowerCase(), n]));
}
