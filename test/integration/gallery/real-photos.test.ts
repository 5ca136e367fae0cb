import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import type { AnalyzeResult } from '../../../src/core/face/types';
import { calibrateGallery } from '../../../src/core/gallery/calibration';
import { enrolFace } from '../../../src/core/gallery/enrolment';
import { recognizerOf } from '../../../src/core/gallery/face-engine';
import { Gallery } from '../../../src/core/gallery/gallery';
import { decodeImage } from '../../../src/core/image';
import { listPacks } from '../../../src/core/models';
import {
  hasSharedFaces,
  hasSharedModels,
  identityPhotos,
  sharedModelsDir,
  type LabelledPhoto,
} from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;
const packs = ready ? (await listPacks()).filter((p) => p.available).map((p) => p.id) : [];
const margin = 0.05;

interface Analysed {
  photo: LabelledPhoto;
  result: AnalyzeResult;
}

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'gallery on the shared photos, per pack (needs ../shared/models and ../shared/faces)',
  () => {
    it('has packs to test', () => expect(packs.length).toBeGreaterThanOrEqual(2));

    describe.each(packs)('pack %s', (pack) => {
      let analyzer: FaceAnalyzer;
      let analysed: Analysed[];
      let dir: string;
      const galleries: Gallery[] = [];

      beforeAll(async () => {
        dir = mkdtempSync(path.join(os.tmpdir(), `facegate-real-${pack}-`));
        analyzer = await FaceAnalyzer.load({ pack });
        analysed = [];
        for (const photo of identityPhotos()) {
          analysed.push({
            photo,
            result: await analyzer.analyze(await decodeImage(photo.path), { embed: 'main' }),
          });
        }
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

      /** Enrols photos through the real enrolment path; returns those accepted, per identity. */
      async function enrol(
        gallery: Gallery,
        photos: Analysed[],
        perPerson: number,
      ): Promise<Map<string, Analysed[]>> {
        const enrolled = new Map<string, Analysed[]>();
        const ids = new Map<string, number>();
        for (const item of photos) {
          const identity = item.photo.identity;
          if ((enrolled.get(identity)?.length ?? 0) >= perPerson) continue;
          const personId = ids.get(identity);
          const outcome = await enrolFace(gallery, item.result, {
            ...(personId ? { personId } : { newPerson: { name: identity } }),
            source: 'photo',
            sourceRef: item.photo.file,
            model: recognizerOf(analyzer),
            duplicateThreshold: analyzer.info.threshold,
            actor: 'test',
          });
          if (!outcome.accepted) continue;
          ids.set(identity, outcome.person!.id);
          enrolled.set(identity, [...(enrolled.get(identity) ?? []), item]);
        }
        return enrolled;
      }

      it('finds a face with an embedding in every identity photo', () => {
        const missing = analysed.filter((a) => !a.result.faces[0]?.embedding).map((a) => a.photo.file);
        expect(missing).toEqual([]);
      });

      it('ranks the right person first for every photo, with one photo per person enrolled', async () => {
        const gallery = newGallery('rank1');
        const enrolled = await enrol(gallery, analysed, 1);
        expect(enrolled.size).toBe(new Set(analysed.map((a) => a.photo.identity)).size);
        const enrolledFiles = new Set([...enrolled.values()].flat().map((a) => a.photo.file));
        const probes = analysed.filter((a) => !enrolledFiles.has(a.photo.file));
        const wrong = probes
          .map((a) => ({
            file: a.photo.file,
            truth: a.photo.identity,
            top: gallery.search(a.result.faces[0].embedding!, 1)[0],
          }))
          .filter((r) => r.top?.name !== r.truth)
          .map((r) => `${r.file}: ${r.truth} ranked as ${r.top?.name} (${r.top?.score.toFixed(3)})`);
        expect(probes.length).toBeGreaterThan(40);
        expect(wrong).toEqual([]);
      });

      it('answers unknown for every photo of a person left out of the gallery, at the calibrated threshold', async () => {
        const identities = [...new Set(analysed.map((a) => a.photo.identity))];
        const accepted: string[] = [];
        for (const [i, absent] of identities.entries()) {
          const gallery = newGallery(`without-${i}`);
          await enrol(
            gallery,
            analysed.filter((a) => a.photo.identity !== absent),
            3,
          );
          const calibration = calibrateGallery(gallery, recognizerOf(analyzer), {
            packThreshold: analyzer.info.threshold,
          });
          expect(calibration.suggestedThreshold).toBeGreaterThanOrEqual(analyzer.info.threshold);
          for (const probe of analysed.filter((a) => a.photo.identity === absent)) {
            const answer = gallery.identify(probe.result.faces[0].embedding!, {
              threshold: calibration.suggestedThreshold,
              margin,
            });
            if (answer.decision !== 'unknown') {
              accepted.push(
                `${probe.photo.file} (${absent}) taken for ${answer.person?.name} at ${answer.similarity?.toFixed(3)} >= ${calibration.suggestedThreshold.toFixed(3)}`,
              );
            }
          }
          gallery.close();
        }
        expect(accepted).toEqual([]);
      });
    });
  },
);
