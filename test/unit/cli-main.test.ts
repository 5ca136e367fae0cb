import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

const bin = path.join(repoRoot, 'bin/facegate.js');

describe('facegate CLI entry', () => {
  it('prints help listing the commands', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: facegate <command>');
    expect(out).toContain('Exit status');
  });

  it('refuses an unknown command with the usage exit status', () => {
    const res = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
    expect(res.status).toBe(64);
    expect(res.stderr).toContain("unknown command 'no-such-command'");
  });
});
