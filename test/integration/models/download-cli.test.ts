import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';

/** `facegate models download`: what it says and refuses before any network access. */
const data = mkdtempSync(path.join(os.tmpdir(), 'facegate-dl-cli-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

function facegate(args: string[]) {
  return runCli(args, { env: { FACEGATE_DATA_DIR: data } });
}

describe('facegate models download (spawned CLI)', () => {
  it('shows a non-commercial pack’s licences and refuses it without --accept-licence (exit 64)', () => {
    const res = facegate(['models', 'download', 'buffalo_s']);
    expect(res.status, res.stderr).toBe(64);
    expect(res.stderr).toMatch(/w600k-mbf: InsightFace model licence.*commercial use NOT allowed/);
    expect(res.stderr).toMatch(/run again with --accept-licence/);
    expect(res.stdout).toBe('');
    expect(existsSync(path.join(data, 'models', 'buffalo_s'))).toBe(false);
  });

  it('needs a pack name, and names the packs there are for an unknown one', () => {
    expect(facegate(['models', 'download']).status).toBe(64);
    const unknown = facegate(['models', 'download', 'nonesuch']);
    expect(unknown.status).toBe(78);
    expect(unknown.stderr).toMatch(/No model pack 'nonesuch'.*Packs: open/);
  });

  it('is in the help', () => {
    const help = facegate(['models', '--help']);
    expect(help.stdout).toMatch(/download PACK/);
    expect(help.stdout).toMatch(/--accept-licence/);
  });
});
