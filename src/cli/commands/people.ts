import { SqlitePassbackStore } from '../../core/service/passback';
import { LocalReplica } from '../../core/site/local-replica';
import { LocalPassages, SitePassbackStore } from '../../core/site/passages';
import { applyCredentialOptions, credentialEditHelp, credentialEditOptions } from './credential-options';
import { galleryThreshold, type ThresholdModel } from '../../core/gallery/gallery-threshold';
import type { AttendanceOptionsInput } from '../../shared/attendance';
import type { Person, TemplateInfo } from '../../shared/people';
import { defaultDatabasePath } from '../../core/paths';
import { FaceGateError } from '../../core/errors';
import { asDatabaseError } from '../../core/gallery/database';
import { Gallery } from '../../core/gallery/gallery';
import type { DecisionRule } from '../../core/gallery/matcher/decide';
import { defaultQualityGates, type QualityGates } from '../../core/gallery/quality';
import { storedNumber, storedSection } from '../../core/gallery/stored-settings';
import {
  numberOption,
  stringOption,
  writeJson,
  type CommandContext,
  type Command,
  type OptionSpec,
} from '../command';
import { exitCodes } from '../exit-codes';
import { accessEditHelp, accessEditOptions, applyAccessOptions } from './access-options';
import { withWrites } from './site-writes';

// --- Shared by the gallery and attendance commands -----------------------------------------

export const databaseOptions: OptionSpec = { db: { type: 'string' } };
export const databaseHelp =
  '  --db FILE             the database (default: $FACEGATE_DB, else facegate.db in the user data folder)';
/** Who the audit log says made a change from the command line. */
export const cliActor = 'cli';
export const defaultMargin = 0.05;

export function openGallery(ctx: CommandContext, options: { readonly?: boolean } = {}): Gallery {
  return Gallery.open(stringOption(ctx, 'db') ?? defaultDatabasePath(), options);
}

/**
 * Runs work with the command's gallery open, closing it afterwards; SQLite failures on the way
 * (a damaged file found mid-query) become DATABASE errors naming the file.
 */
export async function withGallery<T>(
  ctx: CommandContext,
  work: (gallery: Gallery) => Promise<T>,
  options: { readonly?: boolean } = {},
): Promise<T> {
  const gallery = openGallery(ctx, options);
  try {
    return await work(gallery);
  } catch (error) {
    throw asDatabaseError(error, gallery.db.file);
  } finally {
    gallery.close();
  }
}

export const matchOptions: OptionSpec = { threshold: { type: 'string' }, margin: { type: 'string' } };
export const matchHelp = [
  "  --threshold T         similarity a match must reach (default: the app's setting, else the pack's)",
  `  --margin M            how far the best person must lead the next (default: the app's setting, else ${defaultMargin})`,
].join('\n');

/** Threshold and margin: the option, else the app's stored setting, else the pack's default. */
/**
 * The decision rule: --threshold, else the app's setting, else the pack's gallery-size-aware 1:N
 * threshold for the templates of the gallery's active model plus `moreTemplates` (an import's photos).
 */
export function matchRule(
  ctx: CommandContext,
  gallery: Gallery,
  pack: ThresholdModel,
  moreTemplates = 0,
): DecisionRule {
  const stored = storedSection(gallery.settings, 'recognition');
  const templates = (gallery.model ? (gallery.index()?.size ?? 0) : 0) + moreTemplates;
  const rule = {
    threshold:
      numberOption(ctx, 'threshold') ??
      storedNumber(stored, 'threshold') ??
      galleryThreshold(pack, templates),
    margin: numberOption(ctx, 'margin') ?? storedNumber(stored, 'margin') ?? defaultMargin,
  };
  if (rule.threshold < -1 || rule.threshold > 1) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `--threshold is a cosine similarity between -1 and 1, got ${rule.threshold}.`,
    );
  }
  if (rule.margin < 0 || rule.margin > 1)
    throw new FaceGateError('INVALID_INPUT', `--margin must be between 0 and 1.`);
  return rule;
}

export const gateOptions: OptionSpec = {
  'min-eye-distance': { type: 'string' },
  'min-sharpness': { type: 'string' },
};
export const gateHelp = [
  `  --min-eye-distance PX  smallest distance between the eyes (default ${defaultQualityGates.minInterEyePx})`,
  `  --min-sharpness S     smallest variance of the Laplacian of the aligned crop (default ${defaultQualityGates.minSharpness})`,
].join('\n');

/** Quality gates: the app's `enrolment` settings, overridden by the options. */
export function qualityGates(ctx: CommandContext, gallery: Gallery): Partial<QualityGates> {
  const stored = storedSection(gallery.settings, 'enrolment');
  const gates: Partial<QualityGates> = {};
  const pick = (key: keyof QualityGates, option?: string) => {
    const value = (option ? numberOption(ctx, option) : undefined) ?? storedNumber(stored, key);
    if (value !== undefined) gates[key] = value;
  };
  pick('minInterEyePx', 'min-eye-distance');
  pick('minSharpness', 'min-sharpness');
  pick('minDetScore');
  pick('maxYawDegrees');
  return gates;
}

/** Attendance options: the app's `attendance` settings, with --tz overriding the time zone. */
export function attendanceOptions(ctx: CommandContext, gallery: Gallery): AttendanceOptionsInput {
  const stored = storedSection(gallery.settings, 'attendance');
  const options: Record<string, unknown> = {};
  for (const key of [
    'mode',
    'debounceMinutes',
    'retentionDays',
    'erasure',
    'timeZone',
    'shiftStarts',
    'deviceName',
  ]) {
    if (stored[key] !== undefined) options[key] = stored[key];
  }
  const tz = stringOption(ctx, 'tz');
  if (tz) options.timeZone = tz;
  const shifts = ctx.values.shift;
  if (shifts !== undefined) {
    const starts: Record<string, string> = { ...((options.shiftStarts as Record<string, string>) ?? {}) };
    for (const spec of (Array.isArray(shifts) ? shifts : [shifts]).map(String)) {
      const match = /^(.*)=(\d{2}:\d{2})$/.exec(spec);
      if (!match)
        throw new FaceGateError(
          'INVALID_INPUT',
          `--shift takes GROUP=HH:MM (e.g. night=22:00), got '${spec}'.`,
        );
      starts[match[1]] = match[2];
    }
    options.shiftStarts = starts;
  }
  return options as AttendanceOptionsInput;
}

export function parsePersonId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id < 1) {
    throw new FaceGateError('INVALID_INPUT', `A person id is a whole number, got '${text ?? ''}'.`);
  }
  return id;
}

function yesNo(ctx: CommandContext, name: string): boolean | undefined {
  const value = stringOption(ctx, name);
  if (value === undefined) return undefined;
  if (['yes', 'true', '1'].includes(value)) return true;
  if (['no', 'false', '0'].includes(value)) return false;
  throw new FaceGateError('INVALID_INPUT', `--${name} takes yes or no, got '${value}'.`);
}

function personLine(p: Person): string {
  const extra = [
    p.employeeCode && `code ${p.employeeCode}`,
    p.group && `group ${p.group}`,
    !p.active && 'inactive',
  ]
    .filter(Boolean)
    .join(', ');
  return `${String(p.id).padStart(5)}  ${p.name}${extra ? `  (${extra})` : ''}  ${p.templateCount} face(s)`;
}

function templateLine(t: TemplateInfo): string {
  const q = t.quality;
  const figures =
    q.interEyePx !== undefined
      ? `  eyes ${Math.round(q.interEyePx)} px, sharpness ${Math.round(q.sharpness ?? 0)}`
      : '';
  return `  template ${t.id}  ${t.source}${t.sourceRef ? ` ${t.sourceRef}` : ''}  ${t.models.join(', ')}  ${t.createdAt}${figures}`;
}

// --- facegate people ---------------------------------------------------------------------

export const peopleCommand: Command = {
  name: 'people',
  summary: 'List, show, edit and erase the people in the gallery',
  usage:
    'list [--search S] [--group G] [--active yes|no] | show ID | edit ID [--name N] [--pin -] [...] | passback-reset [ID] | rm ID [--events delete|anonymise] | different ID OTHER [--withdraw]',
  options: {
    ...databaseOptions,
    search: { type: 'string' },
    group: { type: 'string' },
    active: { type: 'string' },
    name: { type: 'string' },
    code: { type: 'string' },
    notes: { type: 'string' },
    events: { type: 'string' },
    withdraw: { type: 'boolean', default: false },
    ...accessEditOptions,
    ...credentialEditOptions,
  },
  help: [
    '  list                  everyone, by name (--search matches name or employee code)',
    '  show ID               one person and their face templates',
    '  edit ID               change --name, --code, --group, --active yes|no, --notes ("" clears code or group),',
    '                        and access (docs/access.md):',
    accessEditHelp,
    credentialEditHelp,
    '  passback-reset [ID]   anti-passback: count the person (or everyone) as outside again',
    '  rm ID                 erase the person: templates, face crops and import records are removed and',
    "                        their events deleted or anonymised (--events; default: the app's erasure setting,",
    '                        else delete). Nothing of their face stays in the database file.',
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    const [action = 'list', idText] = ctx.positionals;
    return withGallery(ctx, async (gallery) => {
      switch (action) {
        case 'list': {
          const people = gallery.listPeople({
            search: stringOption(ctx, 'search'),
            group: stringOption(ctx, 'group'),
            active: yesNo(ctx, 'active'),
            limit: 100_000,
          });
          if (ctx.json) writeJson(ctx, { people, total: people.length });
          else
            ctx.stdout.write(people.length ? `${people.map(personLine).join('\n')}\n` : 'No people yet.\n');
          return exitCodes.ok;
        }
        case 'show': {
          const person = gallery.people.require(parsePersonId(idText));
          const templates = gallery.templates.listForPerson(person.id);
          const differentPeople = gallery.differentPeople(person.id);
          if (ctx.json) writeJson(ctx, { person, templates, differentPeople });
          else {
            ctx.stdout.write(`${personLine(person)}\n${person.notes ? `  notes: ${person.notes}\n` : ''}`);
            ctx.stdout.write(
              templates.length ? `${templates.map(templateLine).join('\n')}\n` : '  no face templates\n',
            );
            for (const other of differentPeople) {
              ctx.stdout.write(`  confirmed different from ${other.name} (id ${other.personId})\n`);
            }
          }
          return exitCodes.ok;
        }
        case 'edit': {
          const id = parsePersonId(idText);
          const cleared = (name: string) => {
            const value = stringOption(ctx, name);
            return value === undefined ? undefined : value.trim() === '' ? null : value;
          };
          const patch = {
            name: stringOption(ctx, 'name'),
            employeeCode: cleared('code'),
            group: cleared('group'),
            active: yesNo(ctx, 'active'),
            notes: stringOption(ctx, 'notes'),
          };
          const fields = Object.values(patch).some((v) => v !== undefined);
          // A site kiosk's file: access, PIN and badge changes are made in the site (docs/site.md).
          if (
            [...Object.keys(accessEditOptions), ...Object.keys(credentialEditOptions)].some(
              (o) => ctx.values[o] !== undefined,
            )
          ) {
            await withWrites(gallery, async (writes) => {
              await applyAccessOptions(ctx, gallery, id, cliActor, writes);
              await applyCredentialOptions(ctx, gallery, id, cliActor, process.stdin, writes);
            });
          }
          // The person's own fields: the file, or at a site kiosk the site (GalleryWrites).
          const person = fields
            ? await withWrites(gallery, (writes) => writes.updatePerson(id, patch, cliActor))
            : gallery.people.require(id);
          if (ctx.json) writeJson(ctx, { person });
          else ctx.stdout.write(`${personLine(person)}\n`);
          return exitCodes.ok;
        }
        case 'passback-reset': {
          const id = idText === undefined ? undefined : parsePersonId(idText);
          // A site kiosk's file: the reset is queued there and goes to every kiosk (docs/site.md).
          const store =
            gallery.siteCopy === null
              ? new SqlitePassbackStore(gallery.db)
              : new SitePassbackStore(new LocalPassages(new LocalReplica(gallery)));
          const reset = store.reset(id);
          gallery.audit.record({
            actor: cliActor,
            action: 'access.passback_reset',
            ...(id !== undefined ? { personId: id } : { target: 'everyone' }),
            details: { reset },
          });
          if (ctx.json) writeJson(ctx, { reset });
          else ctx.stdout.write(`${reset} person(s) now count as outside.\n`);
          return exitCodes.ok;
        }
        case 'rm': {
          const id = parsePersonId(idText);
          const stored = storedSection(gallery.settings, 'attendance').erasure;
          const policy = stringOption(ctx, 'events') ?? (stored === 'anonymise' ? 'anonymise' : 'delete');
          if (policy !== 'delete' && policy !== 'anonymise') {
            throw new FaceGateError('INVALID_INPUT', `--events takes delete or anonymise, got '${policy}'.`);
          }
          const name = gallery.people.require(id).name;
          const result = await withWrites(gallery, (writes) =>
            writes.erasePerson(id, policy, cliActor, (line) => ctx.stderr.write(`${line}\n`)),
          );
          if (ctx.json) writeJson(ctx, result);
          else {
            ctx.stdout.write(
              `Erased ${name} (id ${id}): ${result.templatesDeleted} template(s) removed, ` +
                `${result.eventsAffected} event(s) ${result.events}.\n`,
            );
            if (!result.wiped) {
              ctx.stderr.write(
                'Another program holds the database open: the erased bytes leave the write-ahead log when it closes.\n',
              );
            }
          }
          return exitCodes.ok;
        }
        case 'different': {
          const id = parsePersonId(idText);
          const other = parsePersonId(ctx.positionals[2]);
          const withdraw = Boolean(ctx.values.withdraw);
          // A site kiosk's file: the pair is confirmed in the site and reaches every kiosk.
          const { names, changed } = await withWrites(gallery, async (writes) => {
            const names = [gallery.people.require(id).name, gallery.people.require(other).name];
            const changed = await writes.setDifferentPeople(id, other, !withdraw, cliActor);
            return { names, changed };
          });
          if (ctx.json) writeJson(ctx, { personId: id, otherPersonId: other, confirmed: !withdraw, changed });
          else {
            ctx.stdout.write(
              withdraw
                ? changed
                  ? `${names[0]} and ${names[1]} are no longer kept apart as look-alikes.\n`
                  : `${names[0]} and ${names[1]} were not confirmed as different people; nothing changed.\n`
                : `${names[0]} and ${names[1]} are confirmed as different people: the desk keeps them apart.\n`,
            );
          }
          return exitCodes.ok;
        }
        default:
          throw new FaceGateError(
            'INVALID_INPUT',
            `Unknown action '${action}': use list, show, edit, passback-reset, rm or different.`,
          );
      }
    });
  },
};
