import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { CredentialStore } from '../../../src/core/gallery/credential-store';
import { verifyPin } from '../../../src/core/gallery/pin-hash';
import { repoRoot } from '../../helpers/paths';

/** `facegate people edit --pin - --duress-pin - --badge N` and `people passback-reset` on a real database file. */
const bin = path.join(repoRoot, 'bin/facegate.js');

describe('facegate people edit --pin/--duress-pin/--badge, people passback-reset', () => {
  let dir: string;
  let db: string;
  let personId: number;
  const run = (args: string[], stdin = '') => {
    const res = spawnSync(process.execPath, [bin, ...args, '--db', db], {
      encoding: 'utf8',
      input: stdin,
      timeout: 60_000,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-credential-cli-'));
    db = path.join(dir, 'facegate.db');
    const gallery = Gallery.open(db);
    personId = gallery.people.create({ name: 'Katy' }).id;
    gallery.people.create({ name: 'Omar' });
    gallery.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the PINs from standard input, hashes them, and sets the badge', async () => {
    const res = run(
      ['people', 'edit', String(personId), '--pin', '-', '--duress-pin', '-', '--badge', '0012345678'],
      '4711\n4712\n',
    );
    expect(res.status, res.stderr).toBe(0);
    const gallery = Gallery.open(db);
    try {
      const stored = new CredentialStore(gallery.db).get(personId);
      expect(stored?.badge).toBe('0012345678');
      expect(await verifyPin('4711', stored!.pin!)).toBe(true);
      expect(await verifyPin('4712', stored!.duress!)).toBe(true);
      expect(gallery.audit.list({}).entries.some((e) => e.action === 'person.credentials')).toBe(true);
    } finally {
      gallery.close();
    }
  });

  it('refuses a PIN on the command line, a bad PIN, and another person’s PIN', () => {
    const onLine = run(['people', 'edit', String(personId), '--pin', '1234']);
    expect(onLine.status).not.toBe(0);
    expect(onLine.stderr).toContain('never the PIN itself');
    expect(run(['people', 'edit', String(personId), '--pin', '-'], '12\n').stderr).toContain(
      '4 to 12 digits',
    );
    const taken = run(['people', 'edit', String(personId + 1), '--pin', '-'], '4711\n');
    expect(taken.status).not.toBe(0);
    expect(taken.stderr).toContain('Another person already has this PIN');
  });

  it('removes the PIN with "" and resets anti-passback', () => {
    expect(run(['people', 'edit', String(personId), '--pin', '']).status).toBe(0);
    expect(run(['people', 'passback-reset', '--json']).stdout).toContain('"reset": 0');
  });
});
