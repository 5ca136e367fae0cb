import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessRulesStore } from '../../../src/core/gallery/access-rules-store';
import { Gallery } from '../../../src/core/gallery/gallery';
import { importRosterRow, planRoster, readRoster } from '../../../src/core/gallery/roster-import';

/** Roster CSVs as people make them (Excel, LibreOffice, by hand), read without a crash or a guess. */
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('reading a roster', () => {
  it('reads comma, semicolon and tab rosters with any header spelling, quotes and a BOM', () => {
    const comma = readRoster(
      utf8('\uFEFFName,Employee Code,Groups,Photo\r\n"Lovelace, Ada",E1,Office|Lab,ada.jpg\r\n'),
    );
    expect(comma.errors).toEqual([]);
    expect(comma.rows).toEqual([
      expect.objectContaining({
        line: 2,
        name: 'Lovelace, Ada',
        employeeCode: 'E1',
        groups: ['Office', 'Lab'],
        photo: 'ada.jpg',
        problems: [],
      }),
    ]);
    const semi = readRoster(utf8('name;code;group\nJosé Núñez;E2;Office,Lab\n'));
    expect(semi.delimiter).toBe(';');
    expect(semi.rows[0]).toMatchObject({
      name: 'José Núñez',
      employeeCode: 'E2',
      groups: ['Office', 'Lab'],
      photo: null,
    });
    const tab = readRoster(utf8('name\temployee id\tnotes\nGrace\t7\tx\n'));
    expect(tab.delimiter).toBe('\t');
    expect(tab.ignoredColumns).toEqual(['notes']);
    expect(tab.rows[0]).toMatchObject({ name: 'Grace', employeeCode: '7' });
  });

  it('reads UTF-16 with its byte-order mark (Excel “Unicode text”)', () => {
    const text = 'name\tcode\nZoë\tE9\n';
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++)
      bytes.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + i * 2);
    const read = readRoster(bytes);
    expect(read.encoding).toBe('utf-16le');
    expect(read.rows[0]).toMatchObject({ name: 'Zoë', employeeCode: 'E9' });
  });

  it('refuses in words: Windows-1252 (not UTF-8), binary, no name column, an unclosed quote, empty', () => {
    // "José" as Excel's plain "CSV" writes it: é is one byte, 0xE9.
    const latin1 = readRoster(new Uint8Array([...utf8('name\nJos'), 0xe9, ...utf8('\n')]));
    expect(latin1.errors).toEqual([expect.objectContaining({ code: 'not_utf8', params: { line: 2 } })]);
    expect(latin1.errors[0].message).toMatch(/CSV UTF-8/);
    expect(readRoster(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1])).errors[0].code).toBe('not_text');
    const noName = readRoster(utf8('first,last\nAda,Lovelace\n'));
    expect(noName.errors[0]).toMatchObject({ code: 'missing_column' });
    expect(noName.errors[0].message).toMatch(/first, last/);
    expect(noName.rows).toEqual([]);
    const quote = readRoster(utf8('name,code\n"Ada,E1\nGrace,E2\n'));
    expect(quote.errors[0]).toMatchObject({ code: 'unclosed_quote', params: { line: 2 } });
    expect(readRoster(utf8('')).errors[0].code).toBe('empty');
  });

  it('names each bad row and why: no name, extra fields, a path for a photo', () => {
    const read = readRoster(utf8('name,code,photo\n,E1,a.jpg\nAda,E2,x.jpg,extra\nGrace,E3,../etc/passwd\n'));
    expect(read.rows.map((r) => r.problems.map((p) => p.code))).toEqual([
      ['no_name'],
      ['extra_fields'],
      ['bad_photo_name'],
    ]);
  });
});

describe('planning a roster', () => {
  let dir: string;
  let gallery: Gallery;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-roster-'));
    gallery = Gallery.open(path.join(dir, 'facegate.db'));
  });
  afterEach(() => {
    gallery.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says per row what would happen, and writes nothing', () => {
    const ada = gallery.createPerson({ name: 'Ada', employeeCode: 'E1' }, 'test');
    gallery.createPerson({ name: 'Sam' }, 'test');
    gallery.createPerson({ name: 'Sam' }, 'test');
    const access = new AccessRulesStore(gallery.db);
    access.saveGroup({ name: 'Lab' });
    const plan = planRoster(
      utf8(
        [
          'name,employee code,groups,photo',
          'Ada L.,E1,Office|Lab,ada.jpg', // update by code (name differs: kept)
          'Grace,E2,Office|Nowhere,grace.jpg', // create; unknown second group noted
          'Linus,E3,,missing.jpg', // create; photo not there
          'Sam,,,', // two Sams in FaceGate: skipped
          'Ken,E4,,ken.jpg',
          'Ken Two,E4,,ken.jpg', // the same code and photo as the row above: both skipped
        ].join('\n'),
      ),
      { gallery, access },
      (f) => ['ada.jpg', 'grace.jpg', 'ken.jpg'].includes(f),
    );
    expect(plan.ok).toBe(true);
    const byLine = (line: number) => plan.rows.find((r) => r.line === line)!;
    expect(byLine(2)).toMatchObject({ action: 'update', person: { id: ada.id }, photoFound: true });
    expect(byLine(2).problems.map((p) => p.code)).toEqual(['name_differs']);
    expect(byLine(3)).toMatchObject({ action: 'create', photoFound: true });
    expect(byLine(3).problems.map((p) => p.code)).toEqual(['unknown_group']);
    expect(byLine(4)).toMatchObject({ action: 'create', photoFound: false });
    expect(byLine(5)).toMatchObject({
      action: 'skip',
      problems: [expect.objectContaining({ code: 'ambiguous_name' })],
    });
    expect(byLine(6).action).toBe('skip');
    expect(byLine(6).problems.map((p) => p.code)).toEqual(['duplicate_code', 'duplicate_photo']);
    expect(byLine(7).action).toBe('skip');
    expect(plan.counts).toEqual({ rows: 6, create: 2, update: 1, skip: 3, photos: 2 });
    expect(gallery.listPeople({}).length).toBe(3);
  });

  it('a row without a photo adds the person with their group and access groups, audited', async () => {
    const access = new AccessRulesStore(gallery.db);
    const lab = access.saveGroup({ name: 'Lab' });
    const result = await importRosterRow(
      { line: 2, name: 'Grace', employeeCode: 'E2', groups: ['Office', 'Lab'], photo: null },
      { gallery, access },
      null,
      { actor: 'test' },
    );
    expect(result).toMatchObject({ outcome: 'added', created: true, person: { name: 'Grace' } });
    const grace = gallery.people.require(result.person!.id);
    expect(grace).toMatchObject({ employeeCode: 'E2', group: 'Office' });
    expect(access.personAccess(grace.id).groupIds).toEqual([lab.id]);
    // Again: the same person is updated, not added twice.
    const again = await importRosterRow(
      { line: 2, name: 'Grace', employeeCode: 'E2', groups: ['Office'], photo: null },
      { gallery, access },
      null,
      { actor: 'test' },
    );
    expect(again).toMatchObject({ outcome: 'updated', person: { id: grace.id } });
    expect(access.personAccess(grace.id).groupIds).toEqual([lab.id]);
    expect(gallery.listPeople({}).length).toBe(1);
  });
});
