import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { escapeTerminal } from '../../../src/cli/terminal-text';
import { personCreateSchema, personUpdateSchema } from '../../../src/shared/people';
import { contract } from '../../../src/shared/contract';
import { runCli } from '../../helpers/cli';

/**
 * Names with control characters: ESC starts terminal escape sequences (recolour, move the cursor,
 * rewrite what an admin reads), NUL cuts strings in C code, bidi overrides make a name read as
 * another. Refused at the shared validation; escaped in whatever the CLI prints (older databases
 * may hold them).
 */

const esc = '\u001b';
const hostile = [
  `Eve${esc}[2J${esc}[31mAdmin`,
  'Nul\u0000l',
  'Eve\u202Egnp.exe',
  'Bell\u0007',
  'CR\rover',
  'Iso\u2066late',
];
let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-controls-'));
  file = path.join(dir, 'facegate.db');
  const gallery = Gallery.open(file);
  // As an older FaceGate could have stored them (raw SQL: today's validation refuses them).
  const insert = gallery.db.sqlite.prepare(
    `INSERT INTO people (name, active, notes, created_at, updated_at) VALUES (?, 1, '', 0, 0)`,
  );
  for (const name of hostile) insert.run(name);
  gallery.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function facegate(args: string[]) {
  return runCli(args, { env: { FACEGATE_DATA_DIR: path.join(dir, 'data') } });
}

describe('control characters in names', () => {
  it.each(hostile)('refuses %j in a name, a code, a group (shared validation and the contract)', (name) => {
    expect(personCreateSchema.safeParse({ name }).success).toBe(false);
    expect(personUpdateSchema.safeParse({ employeeCode: name }).success).toBe(false);
    expect(personUpdateSchema.safeParse({ group: name }).success).toBe(false);
    expect(contract['people.create'].input.safeParse({ name }).success).toBe(false);
  });

  it('accepts names in any script, and notes with tabs and new lines', () => {
    for (const name of ['Zoë Ñandú', 'محمد عبد الله', 'שרה לוי', '李小龙', "O'Brien-Smith"]) {
      expect(personCreateSchema.safeParse({ name }).success, name).toBe(true);
    }
    expect(personCreateSchema.safeParse({ name: 'A', notes: 'line 1\n\tline 2' }).success).toBe(true);
    expect(personCreateSchema.safeParse({ name: 'A', notes: `x${esc}[31m` }).success).toBe(false);
  });

  it('the CLI refuses them with the usage status', () => {
    const res = facegate(['people', 'edit', '1', '--name', `Mallory${esc}[31m`, '--db', file]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/control characters/);
    expect(res.stderr).not.toContain(esc);
  });

  it('the CLI prints stored ones escaped, and --json still gives them back exactly', () => {
    const list = facegate(['people', 'list', '--db', file]);
    expect(list.status).toBe(0);
    for (const raw of [esc, '\u0000', '\u202E', '\u0007', '\r', '\u2066'])
      expect(list.stdout).not.toContain(raw);
    expect(list.stdout).toContain('Eve\\u001b[2J\\u001b[31mAdmin');
    expect(list.stdout).toContain('Eve\\u202egnp.exe');

    const json = facegate(['people', 'list', '--json', '--db', file]);
    expect(json.stdout).not.toContain('\u202E');
    const names = (JSON.parse(json.stdout) as { people: { name: string }[] }).people.map((p) => p.name);
    expect(names.sort()).toEqual([...hostile].sort());
  });

  it('escapeTerminal keeps tab and new line', () => {
    expect(escapeTerminal('a\tb\nc')).toBe('a\tb\nc');
    expect(escapeTerminal(`${esc}[0m`)).toBe('\\u001b[0m');
  });
});
