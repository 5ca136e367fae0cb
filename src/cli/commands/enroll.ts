import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnrolResult, Person } from '../../shared/people';
import { FaceGateError, isFaceGateError } from '../../core/errors';
import { analyzeFile } from '../../core/face';
import { enrolFace } from '../../core/gallery/enrolment';
import type { GalleryWrites } from '../../core/gallery/gallery-writes';
import { recognizerOf } from '../../core/gallery/face-engine';
import type { Gallery } from '../../core/gallery/gallery';
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
  parsePersonId,
  qualityGates,
} from './people';
import { withWrites } from './site-writes';

/** The person the command line means: --id, else the holder of --code, else the one named --name. */
function targetPerson(ctx: CommandContext, gallery: Gallery): { person: Person | null; create: boolean } {
  const id = stringOption(ctx, 'id');
  if (id !== undefined) return { person: gallery.people.require(parsePersonId(id)), create: false };
  const code = stringOption(ctx, 'code');
  const name = stringOption(ctx, 'name');
  const byCode = code ? gallery.people.findByCode(code) : undefined;
  if (byCode) {
    if (name && byCode.name.toLowerCase() !== name.trim().toLowerCase()) {
      throw new FaceGateError(
        'CONFLICT',
        `The code ${code} belongs to ${byCode.name} (id ${byCode.id}), not ${name}. Use --id to add faces to someone.`,
      );
    }
    return { person: byCode, create: false };
  }
  if (!name)
    throw new FaceGateError(
      'INVALID_INPUT',
      'Say whom to enrol: --name NAME (or --id ID of someone enrolled).',
    );
  const namesakes = gallery.people.findByName(name);
  if (namesakes.length > 1) {
    throw new FaceGateError(
      'CONFLICT',
      `${namesakes.length} people are named ${name} (ids ${namesakes.map((p) => p.id).join(', ')}); pick one with --id.`,
    );
  }
  return { person: namesakes[0] ?? null, create: namesakes.length === 0 };
}

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'Enrol a person from photos (quality gates and duplicate check)',
  usage: '--name NAME [--code C] [--group G] [--id ID] [--force] IMAGE...',
  options: {
    ...databaseOptions,
    ...analyzerCliOptions,
    ...gateOptions,
    name: { type: 'string' },
    code: { type: 'string' },
    group: { type: 'string' },
    id: { type: 'string' },
    force: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    threshold: { type: 'string' },
  },
  help: [
    'Each image must show exactly one usable face: eyes far enough apart, sharp, frontal. A face that',
    'already matches ANOTHER person is refused, naming that person, unless --force. A new name creates the',
    'person; an existing name (or --code, --id) adds faces to them.',
    '',
    '  --name NAME           who this is (created when new)',
    '  --code C, --group G   employee code (unique) and group, for a new person',
    '  --id ID               add faces to this person',
    '  --force               enrol even when the face matches someone else (you confirm they are different',
    '                        people: the pair is stored and kept apart), or (for an existing person)',
    "                        does not match that person's own photos; the same photo twice never",
    '  --strict              refuse every photo that misses a quality gate (default: enrol usable ones with a note)',
    "  --threshold T         similarity that counts as the same person (default: the app's, else the pack's)",
    gateHelp,
    '',
    databaseHelp,
    analyzerCliHelp,
    '',
    `Exit status: 0 when every image was enrolled, ${exitCodes.dataError} when one was refused, ${exitCodes.noInput} when one could not be read.`,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length === 0)
      throw new FaceGateError(
        'INVALID_INPUT',
        'Give at least one image: facegate enroll --name NAME IMAGE...',
      );
    return withGallery(ctx, (gallery) => withWrites(gallery, (writes) => enrolFiles(ctx, gallery, writes)));
  },
};

async function enrolFiles(ctx: CommandContext, gallery: Gallery, writes: GalleryWrites): Promise<number> {
  const target = targetPerson(ctx, gallery);
  return withAnalyzer(ctx, async (analyzer) => {
    const model = recognizerOf(analyzer);
    gallery.useModel(model);
    const { threshold } = matchRule(ctx, gallery, analyzer.info, ctx.positionals.length);
    let person = target.person;
    let status: number = exitCodes.ok;
    const results: (Omit<EnrolResult, 'quality'> & { file: string; quality?: EnrolResult['quality'] })[] = [];
    for (const file of ctx.positionals) {
      try {
        const { result } = await analyzeFile(analyzer, file, { embed: 'main' });
        const contentSha256 = createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
        const enrolled = await enrolFace(gallery, result, {
          ...(person
            ? { personId: person.id }
            : {
                newPerson: {
                  name: stringOption(ctx, 'name')!,
                  employeeCode: stringOption(ctx, 'code') ?? null,
                  group: stringOption(ctx, 'group') ?? null,
                },
              }),
          source: 'photo',
          sourceRef: path.basename(file),
          model,
          duplicateThreshold: threshold,
          force: Boolean(ctx.values.force),
          strict: Boolean(ctx.values.strict),
          contentSha256,
          gates: qualityGates(ctx, gallery),
          actor: cliActor,
          writes,
        });
        person = enrolled.person ?? person;
        const { person: _person, ...rest } = enrolled;
        results.push({ file, ...rest });
        if (!enrolled.accepted) status = worst(status, exitCodes.dataError);
        if (!ctx.json)
          ctx.stdout.write(`${file}: ${enrolled.accepted ? 'enrolled' : 'refused'}: ${enrolled.message}\n`);
      } catch (error) {
        if (!isFaceGateError(error, 'IMAGE_UNREADABLE')) throw error;
        status = worst(status, exitCodes.noInput);
        results.push({
          file,
          accepted: false,
          template: null,
          duplicateOf: null,
          message: error.message,
        });
        if (!ctx.json) ctx.stdout.write(`${file}: unreadable: ${error.message}\n`);
      }
    }
    if (ctx.json) writeJson(ctx, { person: person ? gallery.people.get(person.id) : null, results });
    return status;
  });
}

/** Of two exit statuses, the one that matters more: unreadable input over refusals over success. */
function worst(a: number, b: number): number {
  const rank = (s: number) => (s === exitCodes.noInput ? 2 : s === exitCodes.dataError ? 1 : 0);
  return rank(b) > rank(a) ? b : a;
}
