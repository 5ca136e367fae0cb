import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import { enrolFace } from '../../../src/core/gallery/enrolment';
import { recognizerOf } from '../../../src/core/gallery/face-engine';
import { Gallery } from '../../../src/core/gallery/gallery';
import { importFolder, planImport } from '../../../src/core/gallery/import-folder';
import { decodeImage } from '../../../src/core/image';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * Enrolment that cannot mix people up (issue 14 item 2), on real photos of ../shared/faces with the
 * default pack: a photo of someone else added to a person is refused (with an override), the very
 * same photo is never enrolled twice, and a flat folder of numbered files of different people does
 * not silently become one person.
 */
process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;
const photo = (name: string) => path.join(facesDir, name);

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'enrolment cannot mix people up (real photos, default pack)',
  () => {
    let analyzer: FaceAnalyzer;
    let dir: string;
    const galleries: Gallery[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-enrol-safety-'));
      analyzer = await FaceAnalyzer.load({ threads: 1 });
    });
    afterAll(async () => {
      for (const g of galleries) g.close();
      await analyzer?.release();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function newGallery(name: string): Gallery {
      const gallery = Gallery.open(path.join(dir, `${name}.db`));
      galleries.push(gallery);
      gallery.useModel(recognizerOf(analyzer));
      return gallery;
    }

    async function enrol(
      gallery: Gallery,
      file: string,
      who: { personId?: number; name?: string },
      force = false,
    ) {
      const bytes = await readFile(photo(file));
      const faces = await analyzer.analyze(await decodeImage(bytes, file), { embed: 'main' });
      return enrolFace(gallery, faces, {
        ...(who.personId ? { personId: who.personId } : { newPerson: { name: who.name ?? file } }),
        source: 'photo',
        sourceRef: file,
        model: recognizerOf(analyzer),
        duplicateThreshold: analyzer.info.threshold,
        contentSha256: createHash('sha256').update(bytes).digest('hex'),
        force,
        actor: 'test',
      });
    }

    it("refuses another person's photo for an existing person, and enrols it when the admin overrides", async () => {
      const gallery = newGallery('same-person');
      const first = await enrol(gallery, 'img1.jpg', { name: 'Angelina' });
      expect(first.accepted).toBe(true);
      const angelina = first.person!.id;
      // Another photo of her: accepted.
      expect((await enrol(gallery, 'img2.jpg', { personId: angelina })).accepted).toBe(true);
      // A photo of Mark (not enrolled) dropped into Angelina's batch: refused, in plain words.
      const mark = await enrol(gallery, 'img13.jpg', { personId: angelina });
      expect(mark.accepted).toBe(false);
      expect(mark.quality.issues.map((i) => i.code)).toContain('not_same_person');
      expect(mark.message).toMatch(/does not look like Angelina's other photos/);
      expect(gallery.people.require(angelina).templateCount).toBe(2);
      // The admin says it really is her: enrolled, and the audit says it was forced.
      const forced = await enrol(gallery, 'img13.jpg', { personId: angelina }, true);
      expect(forced.accepted).toBe(true);
    });

    it('stores a confirmed look-alike as "different people" and still recognises both', async () => {
      const gallery = newGallery('lookalike');
      const leonardo = await enrol(gallery, 'img35.jpg', { name: 'Leonardo' });
      expect(leonardo.accepted).toBe(true);
      // Matt's img33 scores about 0.40 with Leonardo's img35 (above the pack's 0.364): a look-alike.
      const refused = await enrol(gallery, 'img33.jpg', { name: 'Matt' });
      expect(refused.accepted).toBe(false);
      expect(refused.duplicateOf).toMatchObject({ id: leonardo.person!.id, name: 'Leonardo' });
      expect(gallery.listPeople().map((p) => p.name)).toEqual(['Leonardo']);
      // The admin saw both faces and confirms they are different people: enrolled, pair stored.
      const confirmed = await enrol(gallery, 'img33.jpg', { name: 'Matt' }, true);
      expect(confirmed.accepted).toBe(true);
      const matt = confirmed.person!.id;
      const pair = gallery.differentPeople(matt);
      expect(pair).toMatchObject([{ personId: leonardo.person!.id, name: 'Leonardo', confirmedBy: 'test' }]);
      expect(pair[0].similarity).toBeGreaterThan(analyzer.info.threshold);
      // Matt's other photos lead Leonardo by far more than the look-alike margin: still Matt.
      for (const file of ['img29.jpg', 'img30.jpg', 'img31.jpg']) {
        const faces = await analyzer.analyze(await decodeImage(await readFile(photo(file)), file), {
          embed: 'main',
        });
        const result = gallery.identify(faces.faces[0].embedding!, {
          threshold: analyzer.info.threshold,
          margin: 0.05,
        });
        expect(result, file).toMatchObject({ decision: 'known', person: { id: matt } });
      }
    });

    it('never enrols the very same photo twice, under any file name or for anyone', async () => {
      const gallery = newGallery('same-photo');
      const first = await enrol(gallery, 'img3.jpg', { name: 'Jennifer' });
      expect(first.accepted).toBe(true);
      const again = await enrol(gallery, 'img3.jpg', { personId: first.person!.id });
      expect(again.accepted).toBe(false);
      expect(again.quality.issues.map((i) => i.code)).toEqual(['already_enrolled']);
      const forcedForOther = await enrol(gallery, 'img3.jpg', { name: 'Someone Else' }, true);
      expect(forcedForOther.accepted).toBe(false);
      expect(gallery.listPeople().map((p) => p.name)).toEqual(['Jennifer']);
    });

    it('stops a flat folder of numbered photos of different people instead of making one person', async () => {
      const gallery = newGallery('numbered');
      const folder = path.join(dir, 'flat');
      mkdirSync(folder);
      // Five different people, named as a webcam or a phone names files.
      ['img1.jpg', 'img3.jpg', 'img13.jpg', 'img18.jpg', 'img20.jpg'].forEach((file, i) =>
        copyFileSync(photo(file), path.join(folder, `Person_000${i + 1}.jpg`)),
      );
      const plan = planImport(folder);
      expect(plan.people).toHaveLength(1);
      expect(plan.numberedNames).toEqual(['Person']);
      expect(plan.summary.join('\n')).toMatch(/read as photos of ONE person/);

      const report = await importFolder(gallery, folder, {
        engine: analyzer,
        duplicateThreshold: analyzer.info.threshold,
        actor: 'test',
      });
      expect(report.added).toBe(0);
      expect(report.refused.map((r) => r.reason)).toEqual(Array(5).fill('names_disagree'));
      expect(report.refused[0].message).toMatch(/do not show one person/);
      expect(gallery.listPeople()).toEqual([]);
    });

    it('imports numbered photos that do show one person', async () => {
      const gallery = newGallery('numbered-same');
      const folder = path.join(dir, 'flat-same');
      mkdirSync(folder);
      ['img1.jpg', 'img2.jpg', 'img4.jpg'].forEach((file, i) =>
        copyFileSync(photo(file), path.join(folder, `Angelina_${i + 1}.jpg`)),
      );
      const report = await importFolder(gallery, folder, {
        engine: analyzer,
        duplicateThreshold: analyzer.info.threshold,
        actor: 'test',
      });
      expect(report.refused).toEqual([]);
      expect(report.added).toBe(3);
      expect(gallery.listPeople().map((p) => [p.name, p.templateCount])).toEqual([['Angelina', 3]]);
    });
  },
);
