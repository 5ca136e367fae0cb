import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths';

/**
 * The packaged app's executable under release/ (electron-builder's unpacked output, which the
 * installers contain), or FACEGATE_ELECTRON_APP. Undefined when no app was built here.
 */
export function packagedApp(platform: NodeJS.Platform = process.platform): string | undefined {
  if (process.env.FACEGATE_ELECTRON_APP) return process.env.FACEGATE_ELECTRON_APP;
  const release = path.join(repoRoot, 'release');
  if (!existsSync(release)) return undefined;
  const candidates =
    platform === 'win32'
      ? [path.join(release, 'win-unpacked', 'FaceGate.exe')]
      : platform === 'darwin'
        ? readdirSync(release)
            .filter((d) => d.startsWith('mac'))
            .map((d) => path.join(release, d, 'FaceGate.app', 'Contents', 'MacOS', 'FaceGate'))
        : [path.join(release, 'linux-unpacked', 'facegate')];
  return candidates.find((c) => existsSync(c));
}
