import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import { cachedEngine } from '../../../src/core/face/evaluation/cached-engine';
import {
  evaluateIdentification,
  readIdentificationSet,
} from '../../../src/core/gallery/evaluate-identification';
import { facesDir, hasSharedFaces, hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * `facegate eval-identification`'s core on a small labelled set of ../shared/faces: the first photo
 * of each person goes through the real import, the others probe, two people are strangers.
 */
process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;

const labels = [
  'file,identity,subset',
  'img1.jpg,angelina,identification',
  'img2.jpg,angelina,identification',
  'img4.jpg,angelina,identification',
  'img13.jpg,mark,identification',
  'img14.jpg,mark,identification',
  'img18.jpg,elon,identification',
  'img19.jpg,elon,identification',
  'img34.jpg,leonardo,identification',
  'img35.jpg,leonardo,identification',
  'img20.jpg,jeff,stranger',
  'img24.jpg,sundar,stranger',
].join('\n');

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'open-set 1:N evaluation through the real import',
  () => {
    let analyzer: FaceAnalyzer;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-eval-id-'));
      analyzer = await FaceAnalyzer.load({ threads: 1 });
    });
    afterAll(async () => {
      await analyzer?.release();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('reads the set: first photo (by file name) enrolled, the rest probes, strangers apart', () => {
      const file = path.join(dir, 'labels.csv');
      writeFileSync(file, labels);
      const set = readIdentificationSet(file, facesDir);
      expect(set.enrol.map((e) => e.file)).toEqual(['img1.jpg', 'img18.jpg', 'img34.jpg', 'img13.jpg']);
      expect(set.probes).toHaveLength(5);
      expect(set.strangers.map((s) => s.identity)).toEqual(['jeff', 'sundar']);
    });

    it('reports enrolled share, DIR, FPIR, rank-1 and wrong persons, and the cache gives the same answer', async () => {
      const file = path.join(dir, 'labels.csv');
      writeFileSync(file, labels);
      const set = readIdentificationSet(file, facesDir);
      const rule = { threshold: analyzer.info.threshold, margin: 0.05 };
      const engine = cachedEngine(analyzer, path.join(dir, 'cache'));
      const first = await evaluateIdentification(engine, set, { workDir: path.join(dir, 'w1'), rule });
      expect(first.people).toBe(4);
      expect(first.enrolled).toBe(4);
      expect(first.probes).toBe(5);
      expect(first.strangers).toBe(2);
      expect(first.dir).toBeGreaterThanOrEqual(0.8);
      expect(first.rank1).toBe(1);
      expect(first.fpir).toBe(0);
      expect(first.wrongPerson).toEqual([]);
      // Intervals over people: they hold the point figure and are not empty when some probe misses.
      expect(first.ci95.dir[0]).toBeLessThanOrEqual(first.dir);
      expect(first.ci95.dir[1]).toBeGreaterThanOrEqual(first.dir);
      expect(first.ci95.fpir).toEqual([0, 0]);
      // The curve: DIR and FPIR fall as the threshold rises.
      for (let i = 1; i < first.curve.length; i++) {
        expect(first.curve[i].dir).toBeLessThanOrEqual(first.curve[i - 1].dir);
        expect(first.curve[i].fpir).toBeLessThanOrEqual(first.curve[i - 1].fpir);
      }
      const second = await evaluateIdentification(engine, set, { workDir: path.join(dir, 'w2'), rule });
      expect(second.outcomes).toEqual(first.outcomes);
      // A threshold above every score identifies nobody: DIR 0, and still nobody taken for someone else.
      const strict = await evaluateIdentification(engine, set, {
        workDir: path.join(dir, 'w3'),
        rule: { threshold: 0.99, margin: 0.05 },
      });
      expect(strict.dir).toBe(0);
      expect(strict.fpir).toBe(0);
    });

    it('with --confirm-lookalikes enrols a look-alike refused as a duplicate and keeps the two apart', async () => {
      // Matt's img33 scores about 0.40 with Leonardo's img35 (the pack's threshold is 0.364): the
      // duplicate check refuses Matt. Links give the photos names that make img35 and img33 the
      // enrolment photos (the first of each person by file name).
      const root = path.join(dir, 'lookalike');
      mkdirSync(root);
      const links: [string, string][] = [
        ['leo_1.jpg', 'img35.jpg'],
        ['leo_2.jpg', 'img36.jpg'],
        ['matt_1.jpg', 'img33.jpg'],
        ['matt_2.jpg', 'img29.jpg'],
        ['matt_3.jpg', 'img30.jpg'],
        ['jeff.jpg', 'img20.jpg'],
      ];
      for (const [name, target] of links) symlinkSync(path.join(facesDir, target), path.join(root, name));
      const file = path.join(root, 'labels.csv');
      writeFileSync(
        file,
        [
          'file,identity,subset',
          'leo_1.jpg,leonardo,identification',
          'leo_2.jpg,leonardo,identification',
          'matt_1.jpg,matt,identification',
          'matt_2.jpg,matt,identification',
          'matt_3.jpg,matt,identification',
          'jeff.jpg,jeff,stranger',
        ].join('\n'),
      );
      const set = readIdentificationSet(file);
      const rule = { threshold: analyzer.info.threshold, margin: 0.05 };
      const engine = cachedEngine(analyzer, path.join(dir, 'cache'));
      const refused = await evaluateIdentification(engine, set, { workDir: path.join(dir, 'l1'), rule });
      expect(refused.enrolled).toBe(1);
      expect(refused.refused.map((r) => r.reason)).toEqual(['duplicate']);
      expect(refused.confirmedLookalikes).toBe(0);

      const confirmed = await evaluateIdentification(engine, set, {
        workDir: path.join(dir, 'l2'),
        rule,
        confirmLookalikes: true,
      });
      expect(confirmed.enrolled).toBe(2);
      expect(confirmed.confirmedLookalikes).toBe(1);
      expect(confirmed.refused).toEqual([]);
      const matt = confirmed.outcomes.filter((o) => o.identity === 'matt');
      expect(matt.map((o) => o.decided)).toEqual(['matt', 'matt']);
      expect(confirmed.wrongPerson).toEqual([]);
    });
  },
);
