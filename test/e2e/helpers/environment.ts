import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasSharedFaces, hasSharedModels } from '../../helpers/paths';
import { hasSocat } from '../../helpers/socat';

/** Debian's Chromium, driven by playwright-core (never a downloaded browser). */
export const chromiumPath = process.env.FACEGATE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
export const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** What the browser tests need that is missing here, for the skip reason. */
export function missingForE2e(): string[] {
  const missing: string[] = [];
  if (!hasChromium) missing.push(`chromium (${chromiumPath})`);
  if (!hasFfmpeg) missing.push('ffmpeg');
  if (!hasSocat) missing.push('socat');
  if (!hasSharedModels) missing.push('../shared/models');
  if (!hasSharedFaces) missing.push('../shared/faces');
  return missing;
}
