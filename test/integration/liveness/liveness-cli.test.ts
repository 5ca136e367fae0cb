import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedFaces, hasSharedModels, sharedModelsDir, spoofDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';
import { runCli } from '../../helpers/cli';

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-liveness-'));
  temps.push(dir);
  return dir;
}
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function facegate(args: string[]) {
  return runCli(args, { env: { FACEGATE_MODELS_PATH: sharedModelsDir, FACEGATE_DATA_DIR: temp() } });
}

const spoof = (name: string) => path.join(spoofDir, name);

describe('facegate liveness and eval-liveness: usage', () => {
  it('refuses to run without an image (exit 64)', () => {
    const res = facegate(['liveness']);
    expect(res.status).toBe(64);
    expect(res.stderr).toContain('Give at least one image');
  });

  it('refuses a labels file without file and label columns (exit 64), before loading any model', () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'labels.csv'), 'path,kind\na.jpg,real\n');
    const res = facegate(['eval-liveness', path.join(dir, 'labels.csv')]);
    expect(res.status).toBe(64);
    expect(res.stderr).toContain("'file' and 'label'");
  });

  it('refuses a threshold outside [0, 1] (exit 64)', () => {
    const res = facegate(['liveness', 'x.jpg', '--threshold', '1.5']);
    expect(res.status).toBe(64);
  });

  it('refuses a context margin outside [0, 1] (exit 64), before loading any model', () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'labels.csv'), 'file,label\na.jpg,real\n');
    const res = facegate(['eval-liveness', path.join(dir, 'labels.csv'), '--context-margin', '1.5']);
    expect(res.status).toBe(64);
    expect(res.stderr).toContain('--context-margin must be between 0 and 1, got 1.5');
  });
});

describe.skipIf(skipWithout('../shared/faces and ../shared/models', hasSharedFaces && hasSharedModels))(
  'facegate liveness on real images (needs ../shared)',
  () => {
    it('prints per face the score, the verdict and the models, and goes on past an unreadable image (exit 66)', () => {
      const res = facegate([
        'liveness',
        '--json',
        spoof('sfas_b6d5f04_image_F1.jpg'),
        '/nonexistent/photo.jpg',
        spoof('sfas_b6d5f04_image_T1.jpg'),
      ]);
      expect(res.status, res.stderr).toBe(66);
      const out = JSON.parse(res.stdout);
      expect(out.models).toEqual(['minifasnet-v2-2.7', 'minifasnet-v1se-4.0']);
      expect(out.threshold).toBe(0.5);
      const [print, missing, live] = out.images;
      expect(print.faces[0].liveness.verdict).toBe('spoof');
      expect(missing.error.code).toBe('IMAGE_UNREADABLE');
      expect(live.faces[0].liveness).toMatchObject({ verdict: 'live', models: out.models });
      expect(live.faces[0].liveness.score).toBeGreaterThan(0.5);
    });

    it('prints a readable line per face without --json', () => {
      const res = facegate(['liveness', spoof('sfas_c3e2048_image_F2.jpg')]);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/pack open_single: minifasnet-v2-2.7 \+ minifasnet-v1se-4.0, threshold 0.5/);
      expect(res.stdout).toMatch(/face 1 {2}box .* score 0\.\d{3} {2}spoof/);
    });

    it.each(['open', 'starter'])(
      'eval-liveness reports APCER 0 on the shared attacks for pack %s',
      (pack) => {
        const res = facegate(['eval-liveness', path.join(spoofDir, 'labels.csv'), '--pack', pack, '--json']);
        expect(res.status, res.stderr).toBe(0);
        const out = JSON.parse(res.stdout);
        expect(out.pack).toBe(pack);
        expect(out.images).toBe(7);
        expect(out.apcer).toEqual({ errors: 0, total: 4, rate: 0 });
        expect(Object.keys(out.apcerBySpecies).sort()).toEqual(['print', 'screen_replay']);
        // The starter's documented false rejection (c3e2048 T2, docs/liveness.md); open accepts it.
        expect(out.bpcer).toMatchObject({ errors: pack === 'starter' ? 1 : 0, total: 3 });
        // The dev-set report comes with it: per source, clip intervals, the APCER = 0 threshold.
        expect(out.zeroApcer.threshold).toBeGreaterThan(out.highestAttackScore);
        expect(Object.keys(out.bySource).length).toBeGreaterThan(0);
        expect(out.clipBootstrap90.print.low).toBeLessThanOrEqual(out.clipBootstrap90.print.high);
        expect(out.highestAttackScore).toBeLessThan(out.threshold);
        // The door's runs of three frames (every image here is its own clip) and the
        // leave-one-source-out check of the stream rule (one source: no fold to hold out from).
        expect(out.sequences.windows.print).toMatchObject({ clips: 2, anyPass: 0 });
        expect(out.sequences.windows.screen_replay).toMatchObject({ clips: 2, anyPass: 0 });
        expect(out.sequences.leaveOneSourceOut.folds.map((f: { source: string }) => f.source)).toEqual([
          'minivision-ai/Silent-Face-Anti-Spoofing',
        ]);
        expect(out.sequences.leaveOneSourceOut.all.counts.print.pass).toBe(0);
      },
    );

    it('resolves files against --root and prints ISO/IEC 30107-3 names in text mode', () => {
      const dir = temp();
      copyFileSync(spoof('sfas_b6d5f04_image_F1.jpg'), path.join(dir, 'attack.jpg'));
      copyFileSync(spoof('sfas_c3e2048_image_T1.jpg'), path.join(dir, 'live.jpg'));
      writeFileSync(
        path.join(dir, 'labels.csv'),
        'file,label,attack_type\nattack.jpg,spoof,print\nlive.jpg,real,\n',
      );
      const elsewhere = temp();
      copyFileSync(path.join(dir, 'labels.csv'), path.join(elsewhere, 'labels.csv'));
      const res = facegate(['eval-liveness', path.join(elsewhere, 'labels.csv'), '--root', dir]);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toContain('APCER 0/1 = 0.0% (print 0/1');
      expect(res.stdout).toContain('BPCER 0/1 = 0.0%');
    });
  },
);
