import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithout } from '../../helpers/fixtures';
import { runCli, facegateBin } from '../../helpers/cli';

const temps: string[] = [];
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

function facegate(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(args, { env });
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('facegate service install', () => {
  it('--print shows a unit that restarts `facegate serve` after any exit', () => {
    const run = facegate(['service', 'install', '--print', '--db', 'relative.db', '--port', '8471']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('Restart=always');
    expect(lines).toContain('RestartSec=1');
    expect(lines).toContain('WantedBy=default.target');
    const exec = lines.find((l) => l.startsWith('ExecStart='));
    expect(exec).toBe(
      `ExecStart=${process.execPath} ${facegateBin} serve --db ${path.resolve('relative.db')} --port 8471`,
    );
  });

  it('writes a user unit under XDG_CONFIG_HOME and says how to enable it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-unit-'));
    temps.push(dir);
    const run = facegate(['service', 'install'], {
      ...process.env,
      XDG_CONFIG_HOME: dir,
      FACEGATE_DB: '/srv/f.db',
    });
    expect(run.status).toBe(0);
    const file = path.join(dir, 'systemd/user/facegate.service');
    expect(run.stdout).toContain(`Wrote ${file}`);
    expect(run.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now facegate');
    const unit = readFileSync(file, 'utf8');
    expect(unit).toContain('Environment=FACEGATE_DB=/srv/f.db');
    expect(unit).toContain('Restart=always');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it.skipIf(skipWithout('systemd-analyze (apt install systemd)', hasSystemdAnalyze))(
    'writes a unit systemd accepts (systemd-analyze verify)',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-unit-'));
      temps.push(dir);
      const file = path.join(dir, 'facegate.service');
      writeFileSync(file, facegate(['service', 'install', '--print']).stdout);
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
    },
  );

  it('refuses an unknown action with the usage status', () => {
    const run = facegate(['service', 'start']);
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/unknown action 'start': use install/);
  });
});
