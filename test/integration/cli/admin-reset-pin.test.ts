import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { AccountStore } from '../../../src/core/service/accounts';
import { AdminAuth } from '../../../src/core/service/admin-auth';
import { newSession } from '../../../src/core/service/session';
import { defaultSettings } from '../../../src/shared/settings';
import { runCli } from '../../helpers/cli';

/**
 * A forgotten PIN is reset from the machine itself (issue 14): `facegate admin reset-pin`, the
 * new PIN on standard input (never in argv), audited with the user's name, lockouts lifted.
 */

function facegate(args: string[], stdin: string) {
  return runCli(args, { input: stdin, timeout: 60_000 });
}

describe('facegate admin reset-pin', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-reset-pin-'));
    db = path.join(dir, 'facegate.db');
    const gallery = Gallery.open(db);
    const auth = new AdminAuth(gallery.settings, new AccountStore(gallery.db), () => defaultSettings.admin);
    await auth.setupPin(newSession('setup'), '111111');
    // Someone guessed until the admin screen locked.
    for (let i = 0; i < 8; i++) await auth.login(newSession('guess'), '000000');
    expect(auth.state(newSession('x')).lockedUntil).not.toBeNull();
    gallery.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a PIN that breaks the rule and changes nothing', async () => {
    const res = facegate(['admin', 'reset-pin', '--db', db], '1234\n');
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/6 to 12 digits/);
    const gallery = Gallery.open(db);
    const auth = new AdminAuth(
      gallery.settings,
      new AccountStore(gallery.db),
      () => defaultSettings.admin,
      () => Date.now() + 3_600_000,
    );
    expect((await auth.login(newSession('x'), '111111')).loggedIn).toBe(true);
    gallery.close();
  });

  it('sets the new PIN from standard input, lifts the lockout and writes the audit log', async () => {
    const res = facegate(['admin', 'reset-pin', '--db', db], '482913\n');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/reset/);
    const gallery = Gallery.open(db);
    const auth = new AdminAuth(gallery.settings, new AccountStore(gallery.db), () => defaultSettings.admin);
    const state = await auth.login(newSession('x'), '482913');
    expect(state).toMatchObject({ loggedIn: true, lockedUntil: null });
    const { entries } = gallery.audit.list();
    expect(entries[0]).toMatchObject({ action: 'admin.pin_reset', actor: `cli (${os.userInfo().username})` });
    gallery.close();
  });

  it('is not a kiosk call: the contract has no PIN reset', async () => {
    const { callNames } = await import('../../../src/shared/contract');
    // passback.reset (an administrator clears a person's anti-passback state) is the one reset call.
    expect(callNames.filter((n) => /reset/i.test(n))).toEqual(['passback.reset']);
  });
});
