import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths';

/**
 * `npx facegate` prints FaceGate's output and nothing of npm's: no "Unknown project config"
 * warning from a project .npmrc (npm 11 warns for keys it does not know, such as
 * onnxruntime-node-install, which is why that setting is an environment variable now).
 */
describe('npx facegate', () => {
  it('prints only FaceGate’s own output', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    const result = spawnSync('npx', ['--no', '--', 'facegate', '--help'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^facegate: face check-in/);
    expect(result.stderr).toBe('');
  });
});
