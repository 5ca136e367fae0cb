import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import type { RosterPlan, RosterRowResult } from '../../../src/shared/roster';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, hasSharedModels, identityPhotos, repoRoot } from '../../helpers/paths';

/**
 * `facegate import --roster roster.csv DIR` (issue 14) with real photos and models: the dry run
 * writes nothing and says per row what would happen; the import adds each person, enrols their
 * photo, refuses a photo of someone else (naming whom it looked like) and an unreadable one, and
 * still adds those people's details; a second run adds nothing twice.
 */
const bin = path.join(repoRoot, 'bin/facegate.js');

function facegate(args: string[]) {
  const res = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe.skipIf(skipWithout('../shared/faces and ../shared/models', hasSharedFaces && hasSharedModels))(
  'facegate import --roster',
  () => {
    let dir: string;
    let photos: string;
    let roster: string;
    let db: string;

    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-roster-cli-'));
      photos = path.join(dir, 'photos');
      mkdirSync(photos);
      db = path.join(dir, 'facegate.db');
      const of = (who: string) => identityPhotos().filter((p) => p.identity === who);
      copyFileSync(of('katy')[0].path, path.join(photos, 'katy.jpg'));
      copyFileSync(of('jack')[0].path, path.join(photos, 'Jack.JPG'));
      // Another photo of Katy, given as someone else's.
      copyFileSync(of('katy')[1].path, path.join(photos, 'mallory.jpg'));
      writeFileSync(path.join(photos, 'broken.jpg'), 'not a picture');
      roster = path.join(dir, 'roster.csv');
      writeFileSync(
        roster,
        [
          'Name;Employee code;Groups;Photo',
          'Katy;E1;Office;katy.jpg',
          'Jack;E2;Office|Lab;jack.jpg',
          'Mallory;E3;;mallory.jpg',
          'Bruno;E4;;broken.jpg',
          'Grace;E5;;grace.jpg',
          'Twin;E6;;',
          'Twin again;E6;;',
        ].join('\r\n'),
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the dry run says what each row would do and writes nothing', () => {
      const run = facegate(['import', '--db', db, '--roster', roster, photos, '--dry-run', '--json']);
      expect(run.status, run.stderr).toBe(0);
      const plan = JSON.parse(run.stdout) as RosterPlan;
      expect(plan.delimiter).toBe(';');
      expect(plan.counts).toEqual({ rows: 7, create: 5, update: 0, skip: 2, photos: 4 });
      expect(plan.rows.find((r) => r.name === 'Grace')!.problems[0].code).toBe('photo_missing');
      expect(plan.rows.find((r) => r.name === 'Twin again')!.problems[0].code).toBe('duplicate_code');
      const text = facegate(['import', '--db', db, '--roster', roster, photos, '--dry-run']);
      expect(text.stdout).toMatch(/line 3, Jack: to add, photo jack\.jpg/);
      expect(text.stdout).toMatch(/Dry run: nothing was written/);
      const gallery = Gallery.open(db);
      try {
        expect(gallery.listPeople({}).length).toBe(0);
      } finally {
        gallery.close();
      }
    });

    it('imports: enrolled, someone else’s face refused, unreadable refused, details kept; progress on stderr', () => {
      const run = facegate(['import', '--db', db, '--roster', roster, photos, '--json']);
      expect(run.status, run.stderr).toBe(65);
      expect(run.stderr).toMatch(/\[1\/5\] line 2 Katy: enrolled/);
      const { results } = JSON.parse(run.stdout) as { results: RosterRowResult[] };
      const of = (name: string) => results.find((r) => r.name === name)!;
      expect(of('Katy')).toMatchObject({ outcome: 'enrolled', created: true });
      expect(of('Jack')).toMatchObject({ outcome: 'enrolled' });
      expect(of('Mallory')).toMatchObject({ outcome: 'matched_other', duplicateOf: { name: 'Katy' } });
      expect(of('Bruno')).toMatchObject({ outcome: 'photo_refused', problem: { code: 'unreadable' } });
      expect(of('Grace')).toMatchObject({ outcome: 'added', problem: { code: 'photo_missing' } });
      expect(of('Twin')).toMatchObject({ outcome: 'skipped', problem: { code: 'duplicate_code' } });
      const gallery = Gallery.open(db);
      try {
        const people = gallery.listPeople({});
        expect(people.map((p) => p.name).sort()).toEqual(['Bruno', 'Grace', 'Jack', 'Katy', 'Mallory']);
        const templates = (name: string) =>
          gallery.templates.listForPerson(people.find((p) => p.name === name)!.id).length;
        expect([templates('Katy'), templates('Jack'), templates('Mallory'), templates('Bruno')]).toEqual([
          1, 1, 0, 0,
        ]);
        expect(people.find((p) => p.name === 'Jack')).toMatchObject({ employeeCode: 'E2', group: 'Office' });
      } finally {
        gallery.close();
      }
    });

    it('a second run adds nobody and no photo twice', () => {
      const run = facegate(['import', '--db', db, '--roster', roster, photos, '--json']);
      const { results } = JSON.parse(run.stdout) as { results: RosterRowResult[] };
      expect(results.find((r) => r.name === 'Katy')).toMatchObject({
        outcome: 'already_imported',
        created: false,
      });
      const gallery = Gallery.open(db);
      try {
        expect(gallery.listPeople({}).length).toBe(5);
      } finally {
        gallery.close();
      }
    });

    it('a roster saved as Windows-1252 is refused in words, nothing written', () => {
      const latin = path.join(dir, 'latin.csv');
      writeFileSync(latin, Buffer.from([...Buffer.from('name\nJos'), 0xe9, 0x0a]));
      const run = facegate(['import', '--db', db, '--roster', latin, photos]);
      expect(run.status).toBe(65);
      expect(run.stderr).toMatch(/not UTF-8 text .*line 2.*CSV UTF-8/);
    });
  },
);
