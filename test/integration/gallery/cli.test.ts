import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { parseCsv } from '../../../src/core/csv';
import { Gallery } from '../../../src/core/gallery/gallery';
import { poseFromLandmarks } from '../../../src/core/gallery/quality';
import type { Landmarks5 } from '../../../src/core/face/types';
import {
  facesDir,
  hasSharedFaces,
  hasSharedModels,
  identityPhotos,
  sharedModelsDir,
} from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';
import { runCli } from '../../helpers/cli';

const ready = hasSharedModels && hasSharedFaces;
let dir: string;
let db: string;

function facegate(args: string[], extraEnv: Record<string, string> = {}) {
  const env = {
    FACEGATE_MODELS_PATH: sharedModelsDir,
    FACEGATE_DATA_DIR: path.join(dir, 'data'),
    ...extraEnv,
  };
  return runCli(args, { env, timeout: 300_000 });
}

function json<T = Record<string, unknown>>(
  args: string[],
): { status: number | null; out: T; stderr: string } {
  const res = facegate([...args, '--json', '--db', db]);
  let out: T;
  try {
    out = JSON.parse(res.stdout) as T;
  } catch {
    throw new Error(
      `facegate ${args.join(' ')} printed no JSON (status ${res.status}): ${res.stdout}\n${res.stderr}`,
    );
  }
  return { status: res.status, out, stderr: res.stderr };
}

/** An image derived from a shared photo (blurred, shrunk, rotated...), written to the temp dir. */
async function derived(file: string, name: string, edit: (s: Sharp) => Sharp): Promise<string> {
  const out = path.join(dir, name);
  await edit(sharp(path.join(facesDir, file)).rotate())
    .jpeg({ quality: 92 })
    .toFile(out);
  return out;
}

/**
 * A head turned well to the side, cut from the group photo: the face whose nose sits furthest from
 * the middle of its eyes, with room around it, enlarged 2x.
 */
async function turnedFace(): Promise<string> {
  const group = path.join(facesDir, 'group', 'selfie-many-people.jpg');
  const detected = JSON.parse(facegate(['detect', group, '--json']).stdout) as {
    images: { faces: { box: { x1: number; y1: number; x2: number; y2: number }; landmarks: Landmarks5 }[] }[];
  };
  const faces = detected.images[0].faces;
  const turned = faces.reduce((a, b) =>
    Math.abs(poseFromLandmarks(b.landmarks).yawDegrees) > Math.abs(poseFromLandmarks(a.landmarks).yawDegrees)
      ? b
      : a,
  );
  expect(Math.abs(poseFromLandmarks(turned.landmarks).yawDegrees)).toBeGreaterThan(30);
  const { x1, y1, x2, y2 } = turned.box;
  const pad = 0.35 * (x2 - x1);
  const meta = await sharp(group).metadata();
  const left = Math.max(0, Math.round(x1 - pad));
  const top = Math.max(0, Math.round(y1 - pad));
  const width = Math.min(meta.width! - left, Math.round(x2 - x1 + 2 * pad));
  const height = Math.min(meta.height! - top, Math.round(y2 - y1 + 2 * pad));
  const out = path.join(dir, 'turned.jpg');
  await sharp(group)
    .extract({ left, top, width, height })
    .resize({ width: width * 2 })
    .jpeg({ quality: 92 })
    .toFile(out);
  return out;
}

async function blankImage(): Promise<string> {
  const blank = path.join(dir, 'blank.png');
  if (!existsSync(blank)) {
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .png()
      .toFile(blank);
  }
  return blank;
}

interface ImportReport {
  images: number;
  added: number;
  alreadyImported: number;
  peopleCreated: number;
  refused: { file: string; reason: string; message: string }[];
}

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'gallery CLI on the shared photos (needs ../shared/models and ../shared/faces)',
  () => {
    const photos = identityPhotos();
    const held = new Set(['matt', 'sundar']);

    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-cli-gallery-'));
      db = path.join(dir, 'facegate.db');
      // The classic layout: one folder per person, built from labels.csv; two people are held out.
      for (const photo of photos.filter((p) => !held.has(p.identity))) {
        const folder = path.join(dir, 'people', photo.identity);
        mkdirSync(folder, { recursive: true });
        symlinkSync(photo.path, path.join(folder, path.basename(photo.file)));
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('imports a photo folder, reports refusals with reasons, and adds nothing twice when re-run', () => {
      const first = json<ImportReport>(['import', path.join(dir, 'people')]);
      const expected = photos.filter((p) => !held.has(p.identity)).length;
      expect(first.out.images).toBe(expected);
      expect(first.out.peopleCreated).toBe(11);
      expect(first.out.added + first.out.refused.length).toBe(expected);
      expect(first.out.added).toBeGreaterThan(expected - 6);
      for (const r of first.out.refused) expect(r.message.length).toBeGreaterThan(20);
      expect(first.stderr).toMatch(new RegExp(`\\[${expected}/${expected}\\]`));
      expect(first.status).toBe(first.out.refused.length ? 65 : 0);

      const again = json<ImportReport>(['import', path.join(dir, 'people')]);
      expect(again.out.added).toBe(0);
      expect(again.out.peopleCreated).toBe(0);
      expect(again.out.alreadyImported).toBe(first.out.added);
      const people = json<{ total: number }>(['people', 'list']);
      expect(people.out.total).toBe(11);
    });

    it('identifies an enrolled person, answers unknown for a stranger and no_face for a blank image', async () => {
      const known = json<{
        decision: string;
        person: { name: string };
        similarity: number;
        candidates: unknown[];
      }>(['identify', path.join(facesDir, 'img2.jpg')]);
      expect(known.status).toBe(0);
      expect(known.out).toMatchObject({ decision: 'known', person: { name: 'angelina' } });
      expect(known.out.candidates.length).toBeGreaterThan(1);

      const calibration = json<{ suggestedThreshold: number; tooSmall: boolean; source: string }>([
        'calibrate',
      ]);
      expect(calibration.out.tooSmall).toBe(true);
      const threshold = String(calibration.out.suggestedThreshold);
      for (const photo of photos.filter((p) => held.has(p.identity))) {
        const stranger = json<{ decision: string; person: unknown }>([
          'identify',
          photo.path,
          '--threshold',
          threshold,
        ]);
        expect(stranger.out, photo.file).toMatchObject({ decision: 'unknown', person: null });
      }

      const none = json<{ decision: string }>(['identify', await blankImage()]);
      expect(none.status).toBe(3);
      expect(none.out.decision).toBe('no_face');
    });

    it('refuses a face that already belongs to someone else, naming them, unless forced', async () => {
      // A re-encoded copy: the very same file is refused before any face check (already enrolled).
      const copy = await derived('img4.jpg', 'img4-copy.jpg', (s) => s.jpeg({ quality: 90 }));
      const refused = json<{
        results: { accepted: boolean; duplicateOf: { name: string }; message: string }[];
      }>(['enroll', '--name', 'Not Angelina', copy]);
      expect(refused.status).toBe(65);
      expect(refused.out.results[0]).toMatchObject({ accepted: false, duplicateOf: { name: 'angelina' } });
      expect(refused.out.results[0].message).toContain('angelina');
      expect(json<{ total: number }>(['people', 'list', '--search', 'Not Angelina']).out.total).toBe(0);
      const forced = json<{ results: { accepted: boolean }[] }>([
        'enroll',
        '--name',
        'Not Angelina',
        '--force',
        copy,
      ]);
      expect(forced.status).toBe(0);
      expect(forced.out.results[0].accepted).toBe(true);
      // Forcing is the admin's "they are different people": the pair is stored, and the desk now asks
      // either of them to lead the other by the look-alike margin (here the same face: never).
      const [notAngelina] = json<{ people: { id: number }[] }>(['people', 'list', '--search', 'Not Angelina'])
        .out.people;
      const shown = json<{ differentPeople: { name: string }[] }>(['people', 'show', String(notAngelina.id)]);
      expect(shown.out.differentPeople).toMatchObject([{ name: 'angelina' }]);
      const angelina = json<{ decision: string; reason: string }>([
        'identify',
        path.join(facesDir, 'img4.jpg'),
      ]);
      expect(angelina.out).toMatchObject({ decision: 'unknown', reason: 'ambiguous' });
    });

    it('refuses poor photos and says why: blurred, too small, turned away, several faces, no face', async () => {
      const cases: [string, string][] = [
        [await derived('img38.jpg', 'blurred.jpg', (s) => s.blur(12)), 'blurry'],
        [await derived('img38.jpg', 'tiny.jpg', (s) => s.resize({ width: 90 })), 'too_small'],
        [await turnedFace(), 'not_frontal'],
        [path.join(facesDir, 'group', 'couple.jpg'), 'several_faces'],
        [await blankImage(), 'no_face'],
      ];
      for (const [file, code] of cases) {
        const res = json<{
          results: { accepted: boolean; quality: { issues: { code: string; message: string }[] } }[];
        }>(['enroll', '--strict', '--name', 'Quality Probe', file]);
        expect(res.status, path.basename(file)).toBe(65);
        const issues = res.out.results[0].quality.issues;
        expect(
          issues.map((i) => i.code),
          path.basename(file),
        ).toContain(code);
        expect(issues.every((i) => i.message.length > 20)).toBe(true);
      }
      expect(json<{ total: number }>(['people', 'list', '--search', 'Quality Probe']).out.total).toBe(0);
    });

    it('re-embeds every stored crop with another pack, after which that pack identifies people', () => {
      // The confirmation of the test above joins angelina with a copy of her own photo: take it back.
      const [notAngelina] = json<{ people: { id: number }[] }>(['people', 'list', '--search', 'Not Angelina'])
        .out.people;
      const angelina = json<{ people: { id: number; name: string }[] }>([
        'people',
        'list',
        '--search',
        'angelina',
      ]).out.people.find((p) => p.name === 'angelina')!;
      expect(
        json(['people', 'different', String(notAngelina.id), String(angelina.id), '--withdraw']).out,
      ).toMatchObject({ changed: true });
      const before = json<{ decision: string }>([
        'identify',
        path.join(facesDir, 'img2.jpg'),
        '--pack',
        'starter',
      ]);
      expect(before.out.decision).toBe('unknown');
      const reembed = json<{ needed: number; embedded: number; failed: unknown[]; withoutCrop: unknown[] }>([
        'reembed',
        '--pack',
        'starter',
      ]);
      expect(reembed.status).toBe(0);
      expect(reembed.out.embedded).toBe(reembed.out.needed);
      expect(reembed.out.needed).toBeGreaterThan(40);
      const after = json<{ decision: string; person: { name: string } }>([
        'identify',
        path.join(facesDir, 'img2.jpg'),
        '--pack',
        'starter',
      ]);
      expect(after.out).toMatchObject({ decision: 'known', person: { name: 'angelina' } });
      expect(json<{ needed: number }>(['reembed', '--pack', 'starter']).out.needed).toBe(0);
    });

    it('erases a person so that none of their crop or embedding bytes remain in the database files', () => {
      const gallery = Gallery.open(db);
      const [person] = gallery.people.findByName('george');
      const templates = gallery.templates.listForPerson(person.id);
      const needles = templates.flatMap((t) => [
        gallery.templates.crop(t.id)!.subarray(600, 664),
        (
          gallery.db.sqlite
            .prepare('SELECT vector FROM template_embeddings WHERE template_id = ? LIMIT 1')
            .get(t.id) as {
            vector: Buffer;
          }
        ).vector.subarray(64, 128),
      ]);
      gallery.close();
      expect(needles.length).toBeGreaterThan(2);
      const res = facegate(['people', 'rm', String(person.id), '--db', db]);
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('Erased george');
      const bytes = Buffer.concat(
        ['', '-wal', '-shm'].filter((s) => existsSync(db + s)).map((s) => readFileSync(db + s)),
      );
      for (const needle of needles) expect(bytes.includes(needle)).toBe(false);
      expect(json<{ total: number }>(['people', 'list', '--search', 'george']).out.total).toBe(0);
    });

    it('confirms two look-alikes as different people, shows it, and withdraws it', () => {
      const gallery = Gallery.open(db);
      const [katy] = gallery.people.findByName('katy');
      const [angelina] = gallery.people.findByName('angelina');
      gallery.close();
      const ids = [String(katy.id), String(angelina.id)];
      expect(json(['people', 'different', ...ids]).out).toMatchObject({ confirmed: true, changed: true });
      const shown = json<{ differentPeople: { personId: number; name: string }[] }>([
        'people',
        'show',
        ids[0],
      ]);
      expect(shown.out.differentPeople).toMatchObject([{ personId: angelina.id, name: 'angelina' }]);
      expect(facegate(['people', 'show', ids[1], '--db', db]).stdout).toContain(
        'confirmed different from katy',
      );
      expect(json(['people', 'different', ...ids, '--withdraw']).out).toMatchObject({ changed: true });
      expect(json(['people', 'different', ...ids, '--withdraw']).out).toMatchObject({ changed: false });
      const self = facegate(['people', 'different', ids[0], ids[0], '--db', db]);
      expect(self.status).not.toBe(0);
      expect(self.stderr).toContain('cannot be confirmed as different from themselves');
    });

    it('exports events and the daily report as CSV that parses back', () => {
      const gallery = Gallery.open(db);
      const attendance = new Attendance(gallery.db, { mode: 'toggle', timeZone: 'Europe/Berlin' });
      const [katy] = gallery.people.findByName('katy');
      gallery.updatePerson(katy.id, { group: 'office' }, 'test');
      attendance.record({
        outcome: 'recognised',
        personId: katy.id,
        at: Date.parse('2024-03-31T07:20:00Z'),
        similarity: 0.8,
      });
      attendance.record({
        outcome: 'recognised',
        personId: katy.id,
        at: Date.parse('2024-03-31T15:00:00Z'),
        similarity: 0.7,
      });
      attendance.record({ outcome: 'unknown', at: Date.parse('2024-03-31T08:00:00Z'), similarity: 0.2 });
      gallery.close();

      const eventsFile = path.join(dir, 'events.csv');
      const events = facegate([
        'events',
        '--from',
        '2024-03-31',
        '--to',
        '2024-03-31',
        '--tz',
        'Europe/Berlin',
        '--csv',
        eventsFile,
        '--db',
        db,
      ]);
      expect(events.status).toBe(0);
      const eventText = readFileSync(eventsFile, 'utf8');
      expect(eventText.charCodeAt(0)).toBe(0xfeff);
      const [eventHeader, ...eventRows] = parseCsv(eventText);
      expect(eventRows.map((r) => r[eventHeader.indexOf('kind')])).toEqual([
        'check_in',
        'unknown',
        'check_out',
      ]);
      expect(eventRows[0][eventHeader.indexOf('time_local')]).toBe('2024-03-31 09:20:00');

      const reportFile = path.join(dir, 'report.csv');
      const report = facegate([
        'report',
        '--from',
        '2024-03-31',
        '--to',
        '2024-03-31',
        '--tz',
        'Europe/Berlin',
        '--shift',
        'office=09:00',
        '--csv',
        reportFile,
        '--no-bom',
        '--db',
        db,
      ]);
      expect(report.status).toBe(0);
      const [header, row] = parseCsv(readFileSync(reportFile, 'utf8'));
      expect(header[0]).toBe('date');
      const get = (column: string) => row[header.indexOf(column)];
      expect([get('person_name'), get('late'), get('late_minutes'), get('present_minutes')]).toEqual([
        'katy',
        'true',
        '20',
        '460',
      ]);
      writeFileSync(path.join(dir, 'done'), '');
    });
  },
);
