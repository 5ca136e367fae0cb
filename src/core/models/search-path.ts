import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { userModelsDir } from '../paths';

let resourcesDirOverride: string | undefined;

/**
 * Tells the models module where the app's resources live. The Electron main process calls it with
 * process.resourcesPath (installers put model files in <resources>/models); FACEGATE_RESOURCES_DIR
 * takes precedence.
 */
export function setResourcesDir(dir: string | undefined): void {
  resourcesDirOverride = dir ? path.resolve(dir) : undefined;
}

/**
 * <resources>/models: FACEGATE_RESOURCES_DIR, else the directory given to setResourcesDir, else the
 * nearest resources/models/ found walking up from this code (the repository from src/ under
 * vitest or tsx, and from dist/cli.js for the bundled CLI). Undefined when none is found.
 */
export function resourcesModelsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.FACEGATE_RESOURCES_DIR
    ? path.resolve(env.FACEGATE_RESOURCES_DIR)
    : resourcesDirOverride;
  if (explicit) return path.join(explicit, 'models');
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = path.join(dir, 'resources', 'models');
    if (existsSync(path.join(candidate, 'catalog.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The model/ folder of the npm package faceplugin-face-recognition-js (the starter pack), if installed. */
export function starterModelsDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('faceplugin-face-recognition-js/package.json');
    return path.join(path.dirname(manifest), 'model');
  } catch {
    return undefined;
  }
}

/** Splits FACEGATE_MODELS_PATH: ';' on Windows (where ':' follows drive letters), ':' elsewhere. */
export function splitModelsPath(
  value: string | undefined,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (!value) return [];
  const separator = platform === 'win32' ? ';' : ':';
  return value
    .split(separator)
    .map((dir) => dir.trim())
    .filter((dir) => dir.length > 0)
    .map((dir) => path.resolve(dir));
}

/**
 * Where model files are looked for, in order (DESIGN.md): the FACEGATE_MODELS_PATH folders, the
 * user's model folder, <resources>/models, and the npm starter pack. Duplicates are dropped.
 */
export function modelSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    ...splitModelsPath(env.FACEGATE_MODELS_PATH),
    userModelsDir(env),
    resourcesModelsDir(env),
    starterModelsDir(),
  ].filter((dir): dir is string => dir !== undefined);
  return [...new Set(dirs)];
}
