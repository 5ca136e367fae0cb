import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { starterModelsDir } from '../../../src/core/models';
import { sharedModelsDir } from '../../helpers/paths';

/** A fresh temporary folder; remove it with removeTemp. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `facegate-${prefix}-`));
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies ../shared/models/<relative> into root/<relative> (or root/<as>) and returns the copy's path. */
export function copySharedModel(root: string, relative: string, as = relative): string {
  const target = path.join(root, as);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(sharedModelsDir, relative), target);
  return target;
}

/** The starter pack folder of the installed npm package (it is a dependency, so always present). */
export function starterDir(): string {
  const dir = starterModelsDir();
  if (!dir) throw new Error('faceplugin-face-recognition-js is not installed');
  return dir;
}

/** An environment with no FACEGATE_* variables and an empty user data folder. */
export function cleanEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FACEGATE_DATA_DIR: dataDir };
  delete env.FACEGATE_MODELS_PATH;
  delete env.FACEGATE_RESOURCES_DIR;
  return env;
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}
