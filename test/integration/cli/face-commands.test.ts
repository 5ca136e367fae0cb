import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRgbImage, decodeImage, encodePng, resizeBilinear } from '../../../src/core/image';
import { findPackSpec, loadCatalog } from '../../../src/core/models';
import { relativeToFaces, writeNoFacePhoto, writeSharedFacesPairsCsv } from '../../helpers/face-pairs';
import { facesDir, hasSharedFaces, hasSharedModels, repoRoot, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';
import { startCli, type CliRun } from '../../helpers/cli';

/** A photo shrunk to 28 px wide on a black 640x480 frame: its face is only a few pixels. */
async function writeTinyFacePhoto(file: string): Promise<string> {
  const source = await decodeImage(photo('img18.jpg'));
  const width = 28;
  const height = Math.round((source.height * width) / source.width);
  const small = resizeBilinear(source, width, height);
  const frame = createRgbImage(640, 480);
  for (let y = 0; y < height; y++) {
    frame.data.set(small.data.subarray(y * width * 3, (y + 1) * width * 3), ((200 + y) * 640 + 300) * 3);
  }
  writeFileSync(file, await encodePng(frame));
  return file;
}
const ready = hasSharedModels && hasSharedFaces;
const photo = (file: string) => path.join(facesDir, file);

/** Spawns the built CLI (async, so parallel test files are not blocked). */
function facegate(args: string[], env: Record<string, string> = {}, cwd = repoRoot): Promise<CliRun> {
  return startCli(args, { env, cwd }).done;
}

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'face commands of the CLI on real photos (needs ../shared)',
  () => {
    const env = { FACEGATE_MODELS_PATH: sharedModelsDir };
    let dir: string;
    let wall: string;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-cli-face-'));
      wall = await writeNoFacePhoto(path.join(dir, 'wall.jpg'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('detect: faces per image as JSON, main face first; an unreadable image is reported and exits 66', async () => {
      const res = await facegate(
        ['detect', photo('img18.jpg'), photo('group/couple.jpg'), path.join(dir, 'missing.jpg'), '--json'],
        env,
      );
      expect(res.status, res.stderr).toBe(66);
      const out = JSON.parse(res.stdout);
      expect(out.pack).toBe('open_single');
      const [single, couple, missing] = out.images;
      expect(single.faces).toHaveLength(1);
      expect(single.faces[0].landmarks).toHaveLength(5);
      expect(single.faces[0].score).toBeGreaterThan(0.6);
      expect(couple.faces).toHaveLength(2);
      expect(missing.error.code).toBe('IMAGE_UNREADABLE');
      expect(res.stderr).toContain('missing.jpg');
    });

    it('detect: --max-faces and a readable line per face without --json', async () => {
      const res = await facegate(['detect', photo('group/selfie-many-people.jpg'), '--max-faces', '2'], env);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/selfie-many-people.jpg: 2 faces/);
      expect(res.stdout.match(/score \d\.\d{3}/g)).toHaveLength(2);
    });

    it('embed: the L2-normalised embedding of the main face', async () => {
      const res = await facegate(['embed', photo('img18.jpg'), '--json', '--pack', 'starter'], env);
      expect(res.status, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out).toMatchObject({ pack: 'starter', model: 'faceplugin-arcface-512', size: 512 });
      const norm = Math.sqrt(out.embedding.reduce((s: number, v: number) => s + v * v, 0));
      expect(norm).toBeCloseTo(1, 3);
    });

    it('verify: same person, different people (both exit 0), with the pack threshold', async () => {
      const same = await facegate(['verify', photo('img1.jpg'), photo('img2.jpg'), '--json'], env);
      expect(same.status, same.stderr).toBe(0);
      const a = JSON.parse(same.stdout);
      const openThreshold = findPackSpec(loadCatalog(), 'open_single')?.threshold;
      expect(a).toMatchObject({ same: true, threshold: openThreshold, pack: 'open_single' });
      expect(a.similarity).toBeGreaterThan(0.5);
      const different = await facegate(['verify', photo('img1.jpg'), photo('img13.jpg'), '--json'], env);
      expect(different.status, different.stderr).toBe(0);
      expect(JSON.parse(different.stdout)).toMatchObject({ same: false });
      const text = await facegate(['verify', photo('img1.jpg'), photo('img13.jpg'), '--threshold=-1'], env);
      expect(text.stdout).toMatch(/^same person: similarity -?\d\.\d{4} >= threshold -1/);
    });

    it('verify: a photo without a face exits 3, an unreadable one 66, each naming the file', async () => {
      const noFace = await facegate(['verify', photo('img1.jpg'), wall], env);
      expect(noFace.status).toBe(3);
      expect(noFace.stderr).toMatch(/No face found in .*wall\.jpg/);
      const json = await facegate(['verify', wall, photo('img1.jpg'), '--json'], env);
      expect(json.status).toBe(3);
      expect(JSON.parse(json.stdout).error.code).toBe('NO_FACE');
      const unreadable = await facegate(
        ['verify', photo('img1.jpg'), path.join(repoRoot, 'package.json')],
        env,
      );
      expect(unreadable.status).toBe(66);
      expect(unreadable.stderr).toContain('package.json');
    });

    it('eval: LFW-style 10-fold accuracy, AUC, TAR@FAR, ROC plot; no-face and missing images counted', async () => {
      // A photo under a folder name with a space, a face-less photo and a missing file as extra pairs.
      const spaced = path.join(dir, 'with space');
      mkdirSync(spaced);
      copyFileSync(photo('img2.jpg'), path.join(spaced, 'angelina, 2.jpg'));
      const { file, root, genuine, impostor } = writeSharedFacesPairsCsv(path.join(dir, 'pairs.csv'), {
        folds: 10,
        extraRows: [
          ['img1.jpg', relativeToFaces(path.join(spaced, 'angelina, 2.jpg')), 1],
          ['img1.jpg', relativeToFaces(wall), 0],
          ['img1.jpg', 'no/such/photo.jpg', 0],
          ['img18.jpg', relativeToFaces(await writeTinyFacePhoto(path.join(dir, 'tiny.png'))), 1],
        ],
      });
      const plot = path.join(dir, 'roc.svg');
      const res = await facegate(['eval', file, '--root', root, '--plot', plot, '--json', '--log-far'], env);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/images analysed/);
      const out = JSON.parse(res.stdout);
      expect(out.pairs).toBe(genuine + impostor + 4);
      expect(out.noFace).toBe(1);
      // The tiny face scores under the pack's detection threshold: found on the second search.
      expect(out.lowConfidenceFaces).toBe(1);
      expect(out.unreadable).toBe(1);
      expect(out.folds).toHaveLength(10);
      expect(out.accuracy).toBeGreaterThanOrEqual(0.98);
      expect(out.accuracyStd).toBeGreaterThanOrEqual(0);
      expect(out.auc).toBeGreaterThanOrEqual(0.995);
      expect(out.threshold).toBeGreaterThan(0.2);
      expect(Object.keys(out.tarAtFar)).toEqual(['1e-3', '1e-2']);
      expect(out.msPerImage).toBeGreaterThan(0);
      const svg = readFileSync(plot, 'utf8');
      expect(svg).toContain('<svg');
      expect(svg).toMatch(/AUC = 0\.99\d\d|AUC = 1\.0000/);
    }, 300_000);

    it('eval: refuses a malformed pairs file naming the line', async () => {
      const res = await facegate(['eval', path.join(repoRoot, 'package.json')], env);
      expect(res.status).toBe(64);
      expect(res.stderr).toMatch(/package\.json, line \d+/);
    });

    it('bench: runs the face suite for a pack, prints the table and writes JSON', async () => {
      const out = path.join(dir, 'bench');
      const res = await facegate(
        ['bench', '--suite', 'face', '--pack', 'starter', '--iterations', '2', '--out', out],
        env,
      );
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/== face:/);
      expect(res.stdout).toMatch(/starter\s+640x480 one face\s+1/);
      expect(res.stdout).toMatch(/overhead/);
      const [saved] = readdirSync(out);
      expect(saved).toMatch(/^face-.*\.json$/);
      const report = JSON.parse(readFileSync(path.join(out, saved), 'utf8'));
      expect(report.rows).toHaveLength(2);
      expect(report.rows[0]).toHaveProperty('analyze p50');
      const unknown = await facegate(['bench', '--suite', 'nope'], env);
      expect(unknown.status).toBe(64);
      expect(unknown.stderr).toContain("Unknown benchmark suite 'nope'");
    }, 300_000);
  },
);

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'a fresh install (needs ../shared/faces)',
  () => {
    it('detects with the npm starter pack when FACEGATE_MODELS_PATH is not set at all', async () => {
      const data = mkdtempSync(path.join(os.tmpdir(), 'facegate-fresh-'));
      try {
        const env = {
          FACEGATE_DATA_DIR: data,
          FACEGATE_MODELS_PATH: undefined,
          FACEGATE_RESOURCES_DIR: undefined,
        };
        const res = await startCli(['verify', photo('img1.jpg'), photo('img2.jpg'), '--json'], {
          cwd: data,
          env,
        }).done;
        expect(res.status, res.stderr).toBe(0);
        expect(JSON.parse(res.stdout)).toMatchObject({ pack: 'starter', same: true });
        expect(existsSync(path.join(data, 'models'))).toBe(false);
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    });
  },
);
