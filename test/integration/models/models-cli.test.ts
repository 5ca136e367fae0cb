import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedModels, repoRoot, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';
import { runCli } from '../../helpers/cli';

const temps: string[] = [];
function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `facegate-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the CLI as a fresh install would: no FACEGATE_MODELS_PATH, an empty user data folder. */
function facegate(args: string[], extraEnv: Record<string, string> = {}) {
  const env = {
    FACEGATE_MODELS_PATH: undefined,
    FACEGATE_RESOURCES_DIR: undefined,
    FACEGATE_DATA_DIR: temp('data'),
  };
  return runCli(args, { env: { ...env, ...extraEnv }, cwd: temp('cwd') });
}

describe('facegate models (spawned CLI)', () => {
  it('on a fresh install lists every pack and picks the npm starter pack', () => {
    const res = facegate(['models', '--json']);
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.defaultPack).toBe('starter');
    const starter = out.packs.find((p: { id: string }) => p.id === 'starter');
    expect(starter).toMatchObject({ available: true, default: true, commercialUse: true, missing: [] });
    expect(
      starter.files.every((f: { path: string | null }) => f.path?.includes('faceplugin-face-recognition-js')),
    ).toBe(true);
    const buffalo = out.packs.find((p: { id: string }) => p.id === 'buffalo_l');
    expect(buffalo).toMatchObject({ available: false, commercialUse: false });
    expect(out.searchPath.at(-1)).toMatch(/faceplugin-face-recognition-js[/\\]model$/);
    // The bundled CLI finds the repository's resources/models from dist/cli.js.
    expect(out.searchPath).toContain(path.join(repoRoot, 'resources', 'models'));
  });

  it('prints a readable list with licences, thresholds and the search path', () => {
    const res = facegate(['models', 'list']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/starter\s+Starter/);
    expect(res.stdout).toMatch(/available, default/);
    expect(res.stdout).toMatch(/commercial use NOT allowed/);
    expect(res.stdout).toMatch(/Default \(no --pack given\): starter/);
  });

  it('verifies the starter files and exits 0', () => {
    const res = facegate(['models', 'verify', '--pack', 'starter', '--json']);
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.ok).toBe(true);
    expect(out.files.map((f: { status: string }) => f.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('exits 78 when a required file of the requested pack is missing, and 64 for an unknown subcommand', () => {
    const missing = facegate(['models', 'verify', '--pack', 'buffalo_l']);
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/pack 'buffalo_l' is missing det_10g\.onnx/);
    expect(facegate(['models', 'frobnicate']).status).toBe(64);
    const unknown = facegate(['models', 'verify', '--pack', 'nope', '--json']);
    expect(unknown.status).toBe(78);
    expect(JSON.parse(unknown.stdout).error.code).toBe('PACK_NOT_FOUND');
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'reports a corrupted copy on FACEGATE_MODELS_PATH and exits 78 (needs ../shared/models)',
    () => {
      const root = temp('verify-corrupt');
      mkdirSync(path.join(root, 'opencv-zoo'));
      const copy = path.join(root, 'opencv-zoo', 'face_detection_yunet_2023mar.onnx');
      const bytes = readFileSync(
        path.join(sharedModelsDir, 'opencv-zoo', 'face_detection_yunet_2023mar.onnx'),
      );
      bytes[100] ^= 0x01;
      writeFileSync(copy, bytes);
      const res = facegate(['models', 'verify'], { FACEGATE_MODELS_PATH: root });
      expect(res.status).toBe(78);
      expect(res.stdout).toMatch(/MISMATCH\s+open\s+yunet-2023mar/);
      expect(res.stderr).toContain(copy);
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'makes open_single the default when FACEGATE_MODELS_PATH holds ../shared/models (needs ../shared/models)',
    () => {
      const res = facegate(['models', '--json'], { FACEGATE_MODELS_PATH: sharedModelsDir });
      expect(res.status).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out.defaultPack).toBe('open_single');
      expect(out.searchPath[0]).toBe(path.resolve(sharedModelsDir));
    },
  );

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'inspects a folder of ONNX files (needs ../shared/models)',
    () => {
      const res = facegate(['models', 'inspect', path.join(sharedModelsDir, 'anti-spoofing'), '--json']);
      expect(res.status, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out.models.map((m: { spec: { id: string } }) => m.spec.id)).toEqual([
        'minifasnet-v2-2.7',
        'minifasnet-v1se-4.0',
      ]);
    },
  );
});
