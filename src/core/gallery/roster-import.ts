import { createHash } from 'node:crypto';
import type {
  RosterFileProblem,
  RosterPlan,
  RosterPlanRow,
  RosterProblem,
  RosterRow,
  RosterRowResult,
} from '../../shared/roster';
import { rosterLimits } from '../../shared/roster';
import { personTextFields, type Person } from '../../shared/people';
import { csvTable } from '../csv';
import { FaceGateError, isFaceGateError } from '../errors';
import type { AccessRulesStore } from './access-rules-store';
import { enrolFace, type FacesInImage } from './enrolment';
import type { Gallery } from './gallery';
import { DeskWrites, type GalleryWrites } from './gallery-writes';
import type { QualityGates } from './quality';
import type { ModelRef } from './template-repository';

/**
 * Bulk import from a roster (docs/ui.md, "Import a roster"): a CSV of people (name, employee code,
 * groups, optional photo file name) and a folder of photos. Three steps, shared by the CLI
 * (`facegate import --roster`) and the admin page:
 *
 * 1. readRoster: the bytes to rows. Bad files are problems in words, never exceptions: not text,
 *    not UTF-8 (Excel's plain "CSV" is Windows-1252: save as "CSV UTF-8"), no name column, a quote
 *    never closed, too large. ',' ';' and tab delimiters are recognised from the header line.
 * 2. planRoster: what each row would do, writing nothing: add or update (matched by employee code,
 *    else by a unique name), its photo found or not, and why a row is skipped (no name, a code or a
 *    photo used twice in the file, several people of that name).
 * 3. importRosterRow: one row, written: the person created or updated (never renamed, never a
 *    group taken away), then their photo enrolled through the same gates and checks as any photo
 *    (quality, the same photo twice, a face that is someone else's, a face unlike the person's own
 *    earlier photos). A refused photo leaves the person's details added, and says why.
 */

const headerAliases: Record<keyof RosterPlan['columns'], readonly string[]> = {
  name: ['name', 'full name', 'fullname', 'employee name', 'person'],
  employeeCode: [
    'employee code',
    'employee_code',
    'employeecode',
    'code',
    'employee id',
    'employee_id',
    'employee number',
    'id',
    'badge',
  ],
  groups: ['groups', 'group', 'group(s)', 'department', 'team'],
  photo: ['photo', 'photo file', 'photo_file', 'picture', 'image', 'file', 'filename', 'file name'],
};

const normaliseHeader = (h: string) => h.trim().toLowerCase().replace(/\s+/g, ' ');

/** Decode the roster's bytes: UTF-8 (with or without a BOM) or UTF-16 with a BOM; anything else is refused. */
function decode(bytes: Uint8Array): { text: string; encoding: RosterPlan['encoding'] } | RosterFileProblem {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  if (bytes.includes(0)) {
    return problem(
      'not_text',
      'This file is not a text (CSV) file: it holds binary data. Export the roster as CSV.',
    );
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return problem(
      'not_utf8',
      `This file is not UTF-8 text (the first odd byte is on line ${at.line}). In Excel use “Save as… CSV UTF-8”; in LibreOffice pick the character set “Unicode (UTF-8)”.`,
      { line: at.line },
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): { line: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        return { line };
      }
      line++;
      start = i + 1;
    }
  }
  return { line };
}

function problem(
  code: RosterFileProblem['code'],
  message: string,
  params: Record<string, string | number> = {},
): RosterFileProblem {
  return { code, message, params };
}

function rowProblem(
  code: RosterProblem['code'],
  message: string,
  params: Record<string, string | number> = {},
): RosterProblem {
  return { code, message, params };
}

/** Step 1: the roster's bytes as rows; problems with the file as a whole in `errors`. */
export function readRoster(bytes: Uint8Array): {
  encoding: RosterPlan['encoding'];
  delimiter: RosterPlan['delimiter'];
  columns: RosterPlan['columns'];
  ignoredColumns: string[];
  rows: (RosterRow & { problems: RosterProblem[] })[];
  errors: RosterFileProblem[];
} {
  const empty = {
    encoding: 'utf-8' as const,
    delimiter: ',' as const,
    columns: { name: null, employeeCode: null, groups: null, photo: null },
    ignoredColumns: [],
    rows: [],
  };
  if (bytes.byteLength > rosterLimits.maxBytes) {
    return {
      ...empty,
      errors: [
        problem(
          'too_large',
          `The roster is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB; at most ${rosterLimits.maxBytes / 1024 / 1024} MB is read. Split it into several files.`,
        ),
      ],
    };
  }
  const decoded = decode(bytes);
  if ('code' in decoded) return { ...empty, errors: [decoded] };
  const { text, encoding } = decoded;
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter: RosterPlan['delimiter'] = ([',', ';', '\t'] as const).reduce<RosterPlan['delimiter']>(
    (best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best),
    ',',
  );
  const { rows, unclosedQuoteLine } = csvTable(text, delimiter);
  if (!rows.length) return { ...empty, encoding, errors: [problem('empty', 'The roster is empty.')] };
  const errors: RosterFileProblem[] = [];
  if (unclosedQuoteLine !== null) {
    errors.push(
      problem(
        'unclosed_quote',
        `A quote (") opened on line ${unclosedQuoteLine} is never closed, so the rest of the file cannot be read. Close it or remove it.`,
        { line: unclosedQuoteLine },
      ),
    );
  }
  const [header, ...body] = rows;
  const names = header.fields.map(normaliseHeader);
  const columns: RosterPlan['columns'] = { name: null, employeeCode: null, groups: null, photo: null };
  const index: Partial<Record<keyof RosterPlan['columns'], number>> = {};
  for (const key of Object.keys(headerAliases) as (keyof RosterPlan['columns'])[]) {
    const at = names.findIndex((n) => headerAliases[key].includes(n));
    if (at >= 0) {
      index[key] = at;
      columns[key] = header.fields[at].trim();
    }
  }
  const used = new Set(Object.values(index));
  const ignoredColumns = header.fields.filter((h, i) => !used.has(i) && h.trim() !== '').map((h) => h.trim());
  if (index.name === undefined) {
    errors.push(
      problem(
        'missing_column',
        `The roster has no “name” column (its first line is: ${header.fields.map((h) => h.trim()).join(', ')}). The first line must name the columns: name, employee code, groups, photo.`,
        { columns: header.fields.map((h) => h.trim()).join(', ') },
      ),
    );
  }
  if (body.length > rosterLimits.maxRows) {
    errors.push(
      problem(
        'too_many_rows',
        `The roster has ${body.length} rows; at most ${rosterLimits.maxRows} are read at once. Split it into several files.`,
        { rows: body.length, max: rosterLimits.maxRows },
      ),
    );
  }
  if (errors.length) return { encoding, delimiter, columns, ignoredColumns, rows: [], errors };
  const cell = (fields: string[], key: keyof RosterPlan['columns']) =>
    index[key] === undefined ? '' : (fields[index[key]] ?? '').trim();
  const parsed = body.map((row) => {
    const problems: RosterProblem[] = [];
    const name = cell(row.fields, 'name').replace(/\s+/g, ' ');
    const code = cell(row.fields, 'employeeCode');
    const groups = splitGroups(cell(row.fields, 'groups'), delimiter);
    const photo = cell(row.fields, 'photo');
    if (row.fields.length > header.fields.length) {
      problems.push(
        rowProblem(
          'extra_fields',
          `Line ${row.line} has ${row.fields.length} fields but the header names ${header.fields.length}: a name or group with a “${delimiter === '\t' ? 'tab' : delimiter}” in it must be in quotes.`,
          { fields: row.fields.length, columns: header.fields.length },
        ),
      );
    }
    if (!name) problems.push(rowProblem('no_name', `Line ${row.line} has no name.`));
    else if (!personTextFields.name.safeParse(name).success)
      problems.push(
        rowProblem('bad_name', `The name on line ${row.line} is too long or holds control characters.`),
      );
    if (code && !personTextFields.employeeCode.safeParse(code).success)
      problems.push(
        rowProblem('bad_code', `The employee code “${code}” on line ${row.line} is not valid.`, { code }),
      );
    for (const group of groups) {
      if (!personTextFields.group.safeParse(group).success)
        problems.push(
          rowProblem('bad_group', `The group “${group}” on line ${row.line} is not valid.`, { group }),
        );
    }
    if (photo && (photo.includes('/') || photo.includes('\\') || photo === '.' || photo === '..')) {
      problems.push(
        rowProblem(
          'bad_photo_name',
          `The photo “${photo}” on line ${row.line} must be a file name in the photo folder, without a folder path.`,
          { photo },
        ),
      );
    }
    return {
      line: row.line,
      name,
      employeeCode: code || null,
      groups,
      photo: photo || null,
      problems,
    };
  });
  return { encoding, delimiter, columns, ignoredColumns, rows: parsed, errors: [] };
}

/** Several groups in one cell: separated by '|', or ';' / ',' when that is not the file's delimiter. */
function splitGroups(text: string, delimiter: string): string[] {
  if (!text) return [];
  const separators = ['|', ';', ','].filter((s) => s !== delimiter);
  const pattern = new RegExp(`[${separators.map((s) => `\\${s}`).join('')}]`);
  return [
    ...new Set(
      text
        .split(pattern)
        .map((g) => g.trim().replace(/\s+/g, ' '))
        .filter(Boolean),
    ),
  ];
}

export interface RosterContext {
  gallery: Gallery;
  /** Access groups by name; without it, groups set only the person's group. */
  access?: Pick<AccessRulesStore, 'groups' | 'personAccess'>;
  /** Where people and faces are written: the desk's file (default) or, at a site kiosk, the site. */
  writes?: GalleryWrites;
}

/**
 * Step 2: what each row would do, writing nothing. `hasPhoto` says whether a file of that name is
 * in the photo folder (or among the uploaded photos).
 */
export function planRoster(
  bytes: Uint8Array,
  ctx: RosterContext,
  hasPhoto: (fileName: string) => boolean,
): RosterPlan {
  const read = readRoster(bytes);
  const accessGroups = new Map((ctx.access?.groups() ?? []).map((g) => [g.name.toLowerCase(), g]));
  const codeLines = new Map<string, number[]>();
  const photoLines = new Map<string, number[]>();
  const nameLines = new Map<string, number[]>();
  for (const row of read.rows) {
    if (row.employeeCode)
      codeLines.set(row.employeeCode, [...(codeLines.get(row.employeeCode) ?? []), row.line]);
    if (row.photo) {
      const key = row.photo.toLowerCase();
      photoLines.set(key, [...(photoLines.get(key) ?? []), row.line]);
    }
    if (!row.employeeCode && row.name) {
      const key = row.name.toLowerCase();
      nameLines.set(key, [...(nameLines.get(key) ?? []), row.line]);
    }
  }
  const rows: RosterPlanRow[] = read.rows.map((row) => {
    const problems = [...row.problems];
    const notes: RosterProblem[] = [];
    const others = (lines: number[] | undefined) => (lines ?? []).filter((l) => l !== row.line);
    const sameCode = row.employeeCode ? others(codeLines.get(row.employeeCode)) : [];
    if (sameCode.length) {
      problems.push(
        rowProblem(
          'duplicate_code',
          `The employee code ${row.employeeCode} is also on line ${sameCode.join(', ')}: one code is one person.`,
          { code: row.employeeCode!, lines: sameCode.join(', ') },
        ),
      );
    }
    const samePhoto = row.photo ? others(photoLines.get(row.photo.toLowerCase())) : [];
    if (samePhoto.length) {
      problems.push(
        rowProblem(
          'duplicate_photo',
          `The photo ${row.photo} is also given on line ${samePhoto.join(', ')}: one photo shows one person.`,
          { photo: row.photo!, lines: samePhoto.join(', ') },
        ),
      );
    }
    const sameName = !row.employeeCode && row.name ? others(nameLines.get(row.name.toLowerCase())) : [];
    if (sameName.length) {
      problems.push(
        rowProblem(
          'duplicate_name',
          `${row.name} is also on line ${sameName.join(', ')} and neither has an employee code: give each person their code.`,
          { name: row.name, lines: sameName.join(', ') },
        ),
      );
    }
    let person: Person | null = null;
    if (row.name && !problems.length) {
      const byCode = row.employeeCode ? ctx.gallery.people.findByCode(row.employeeCode) : undefined;
      if (byCode) {
        person = byCode;
        if (byCode.name.toLowerCase() !== row.name.toLowerCase()) {
          notes.push(
            rowProblem(
              'name_differs',
              `The code ${row.employeeCode} belongs to ${byCode.name} in FaceGate; the name stays ${byCode.name}.`,
              { code: row.employeeCode!, name: byCode.name },
            ),
          );
        }
      } else {
        const namesakes = ctx.gallery.people
          .findByName(row.name)
          .filter((p) => !row.employeeCode || p.employeeCode === null);
        if (namesakes.length > 1) {
          problems.push(
            rowProblem(
              'ambiguous_name',
              `${namesakes.length} people are named ${row.name} in FaceGate: add the employee code to tell which.`,
              { name: row.name, count: namesakes.length },
            ),
          );
        } else person = namesakes[0] ?? null;
      }
    }
    for (const group of row.groups.slice(1)) {
      if (!accessGroups.has(group.toLowerCase())) {
        notes.push(
          rowProblem(
            'unknown_group',
            `There is no access group named ${group}: only the first group (${row.groups[0]}) is kept for this person.`,
            { group, first: row.groups[0] },
          ),
        );
      }
    }
    const photoFound = row.photo ? hasPhoto(row.photo) : null;
    if (row.photo && !photoFound) {
      notes.push(
        rowProblem('photo_missing', `The photo ${row.photo} is not in the photo folder.`, {
          photo: row.photo,
        }),
      );
    }
    return {
      ...row,
      action: problems.length ? 'skip' : person ? 'update' : 'create',
      person: person ? { id: person.id, name: person.name } : null,
      photoFound,
      problems: [...problems, ...notes],
      blocking: problems.length > 0,
    };
  });
  const counts = {
    rows: rows.length,
    create: rows.filter((r) => r.action === 'create').length,
    update: rows.filter((r) => r.action === 'update').length,
    skip: rows.filter((r) => r.action === 'skip').length,
    photos: rows.filter((r) => r.action !== 'skip' && r.photoFound).length,
  };
  return {
    ok: read.errors.length === 0,
    encoding: read.encoding,
    delimiter: read.delimiter,
    columns: read.columns,
    ignoredColumns: read.ignoredColumns,
    errors: read.errors,
    rows,
    counts,
  };
}

export interface RosterRowOptions {
  /** The recognizer and the match threshold; needed only for a row with a photo. */
  model?: ModelRef;
  duplicateThreshold?: number;
  gates?: Partial<QualityGates>;
  actor: string;
}

/**
 * Step 3: write one planned row (planned again here, against the gallery as it is now, so a row
 * the plan skipped, or one made stale by an earlier row, is never written) and enrol its photo.
 * `photo` is the photo's bytes and a way to analyse them, or null when the row has none.
 */
export async function importRosterRow(
  row: RosterRow,
  ctx: RosterContext,
  photo: { bytes: Uint8Array; analyse: () => Promise<FacesInImage> } | null,
  options: RosterRowOptions,
): Promise<RosterRowResult> {
  const base = { line: row.line, name: row.name };
  const plan = planRosterRow(row, ctx);
  if (plan.blocking) {
    const first = plan.problems[0];
    return {
      ...base,
      outcome: 'skipped',
      person: null,
      template: null,
      duplicateOf: null,
      problem: first ?? null,
    };
  }
  const gallery = ctx.gallery;
  const writes = ctx.writes ?? new DeskWrites(gallery);
  let person: Person;
  let created = false;
  if (plan.person) {
    const current = gallery.people.require(plan.person.id);
    const patch: { employeeCode?: string; group?: string } = {};
    if (row.employeeCode && current.employeeCode === null) patch.employeeCode = row.employeeCode;
    if (row.groups[0] && current.group !== row.groups[0]) patch.group = row.groups[0];
    person = Object.keys(patch).length
      ? await writes.updatePerson(current.id, patch, options.actor)
      : current;
  } else {
    person = await writes.createPerson(
      {
        name: row.name,
        employeeCode: row.employeeCode,
        group: row.groups[0] ?? null,
        active: true,
        notes: '',
      },
      options.actor,
    );
    created = true;
  }
  await addAccessGroups(ctx, writes, person.id, row.groups, options.actor);
  const ref = { id: person.id, name: person.name };
  const detailsOnly = created ? 'added' : 'updated';
  if (!photo) {
    const missing = row.photo
      ? rowProblem('photo_missing', `The photo ${row.photo} is not in the photo folder.`, {
          photo: row.photo,
        })
      : null;
    return {
      ...base,
      outcome: detailsOnly,
      person: ref,
      template: null,
      duplicateOf: null,
      problem: missing,
      created,
    };
  }
  if (!options.model || options.duplicateThreshold === undefined) {
    throw new FaceGateError('INTERNAL', 'A roster photo needs the recognizer and its threshold.');
  }
  const sha256 = createHash('sha256').update(photo.bytes).digest('hex');
  let faces: FacesInImage;
  try {
    faces = await photo.analyse();
  } catch (error) {
    if (!isFaceGateError(error, 'IMAGE_UNREADABLE')) throw error;
    return {
      ...base,
      outcome: 'photo_refused',
      person: ref,
      template: null,
      duplicateOf: null,
      problem: rowProblem('unreadable', error.message, { photo: row.photo ?? '' }),
      created,
    };
  }
  const result = await enrolFace(gallery, faces, {
    personId: person.id,
    source: 'import',
    sourceRef: row.photo ?? 'roster',
    model: options.model,
    duplicateThreshold: options.duplicateThreshold,
    contentSha256: sha256,
    gates: options.gates,
    actor: options.actor,
    writes,
  });
  if (result.accepted && result.template) {
    return {
      ...base,
      outcome: 'enrolled',
      person: ref,
      template: result.template,
      duplicateOf: null,
      problem: null,
      created,
    };
  }
  if (result.duplicateOf) {
    return {
      ...base,
      outcome: 'matched_other',
      person: ref,
      template: null,
      duplicateOf: result.duplicateOf,
      problem: rowProblem('matched_other', result.message, {
        other: result.duplicateOf.name,
        similarity: result.duplicateOf.similarity.toFixed(2),
      }),
      created,
    };
  }
  const issue = result.quality.issues[0];
  return {
    ...base,
    outcome: issue?.code === 'already_enrolled' ? 'already_imported' : 'photo_refused',
    person: ref,
    template: null,
    duplicateOf: null,
    problem: rowProblem(issue?.code ?? 'refused', result.message),
    created,
  };
}

/** One row planned against the gallery as it is now (the same rules as planRoster, this row alone). */
function planRosterRow(row: RosterRow, ctx: RosterContext): RosterPlanRow {
  const bytes = new TextEncoder().encode(rosterLine(row));
  const planned = planRoster(bytes, ctx, () => true).rows[0];
  if (!planned) {
    throw new FaceGateError('INVALID_INPUT', `The row for line ${row.line} could not be read back.`);
  }
  return { ...planned, line: row.line };
}

/** A row as a two-line CSV (header and the row), for planning it alone. */
function rosterLine(row: RosterRow): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return (
    'name,employee code,groups,photo\n' +
    [row.name, row.employeeCode ?? '', row.groups.join('|'), row.photo ?? ''].map(quote).join(',') +
    '\n'
  );
}

/**
 * The row's groups that are access groups are added to the person's (never taken away), written
 * where the person is (at a site kiosk: the site, so every kiosk gets them and the next change of
 * the person does not undo them).
 */
async function addAccessGroups(
  ctx: RosterContext,
  writes: GalleryWrites,
  personId: number,
  groups: readonly string[],
  actor: string,
): Promise<void> {
  if (!ctx.access || !groups.length) return;
  const byName = new Map(ctx.access.groups().map((g) => [g.name.toLowerCase(), g.id]));
  const wanted = groups
    .map((g) => byName.get(g.toLowerCase()))
    .filter((id): id is number => id !== undefined);
  if (!wanted.length) return;
  const current = ctx.access.personAccess(personId).groupIds;
  const next = [...new Set([...current, ...wanted])];
  if (next.length === current.length) return;
  await writes.setPersonAccess(personId, { groupIds: next });
  ctx.gallery.audit.record({
    action: 'access.person',
    actor,
    personId,
    details: { groupIds: { before: current, after: next }, source: 'roster' },
  });
}
