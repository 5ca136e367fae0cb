import os from 'node:os';
import path from 'node:path';

/**
 * The user's FaceGate data directory: the database, the user's model packs, logs.
 * FACEGATE_DATA_DIR overrides it. Otherwise it is the folder Electron's app.getPath('userData')
 * gives for the product name "FaceGate", so the CLI and the app share one database.
 */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.FACEGATE_DATA_DIR) return path.resolve(env.FACEGATE_DATA_DIR);
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'FaceGate');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'FaceGate');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'FaceGate');
  }
}

/** Where the user's own model packs live (searched after FACEGATE_MODELS_PATH). */
export function userModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDataDir(env), 'models');
}

/** The default database file; FACEGATE_DB overrides it. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FACEGATE_DB ? path.resolve(env.FACEGATE_DB) : path.join(userDataDir(env), 'facegate.db');
}
