import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/gallery/database';
import { Gallery } from '../../../src/core/gallery/gallery';
import { migrations } from '../../../src/core/gallery/migrations';
import { AccountStore } from '../../../src/core/service/accounts';
import { AdminAuth } from '../../../src/core/service/admin-auth';
import { hashPin } from '../../../src/core/gallery/pin-hash';
import { newSession } from '../../../src/core/service/session';
import { callNames, isAdminCall } from '../../../src/shared/contract';
import { rolesFor } from '../../../src/shared/roles';
import { defaultSettings } from '../../../src/shared/settings';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-accounts-'));
let files = 0;
const open: Gallery[] = [];
afterAll(() => {
  for (const g of open) g.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(file = path.join(dir, `a-${files++}.db`)) {
  let now = 1_700_000_000_000;
  const gallery = Gallery.open(file);
  open.push(gallery);
  const auth = new AdminAuth(
    gallery.settings,
    new AccountStore(gallery.db),
    () => ({ ...defaultSettings.admin, lockoutAfter: 3, lockoutSeconds: 60 }),
    () => now,
  );
  return { auth, gallery, advance: (ms: number) => (now += ms) };
}

describe('admin accounts', () => {
  it('migration 5 turns the one shared PIN into the administrator account "admin" (same hash)', async () => {
    const file = path.join(dir, 'old.db');
    const old = openDatabase(file, { migrations: migrations.filter((m) => m.version <= 4) });
    const hash = await hashPin('246813');
    old.sqlite
      .prepare("INSERT INTO settings (key, value, updated_at) VALUES ('admin.pin', ?, 1)")
      .run(JSON.stringify(hash));
    old.close();
    const { auth, gallery } = setup(file);
    expect(gallery.settings.get('admin.pin')).toBeUndefined();
    expect(auth.listAccounts()).toMatchObject([{ name: 'admin', role: 'administrator', disabled: false }]);
    const s = newSession('test');
    expect(await auth.login(s, '246813')).toMatchObject({
      loggedIn: true,
      account: { name: 'admin', role: 'administrator' },
    });
  });

  it('each account logs in with its own secret; the role comes with the login', async () => {
    const { auth } = setup();
    const first = newSession('first');
    await auth.setupPin(first, 'correct horse battery', 'boss');
    await auth.createAccount('vera', 'viewer', '135792');
    const s = newSession('vera');
    expect((await auth.login(s, 'correct horse battery', 'vera')).loggedIn).toBe(false);
    expect(await auth.login(s, '135792', 'vera')).toMatchObject({
      loggedIn: true,
      account: { role: 'viewer' },
    });
    expect(() => auth.require(s, ['administrator'])).toThrow(/vera.*viewer.*may not/);
    expect(auth.require(s, ['administrator', 'viewer']).name).toBe('vera');
  });

  it('a lockout is per account: guessing one account does not lock out another', async () => {
    const { auth } = setup();
    await auth.setupPin(newSession('x'), '246813');
    await auth.createAccount('enzo', 'enroller', '975310');
    for (let i = 0; i < 3; i++) await auth.login(newSession('guess'), '000000', 'enzo');
    expect((await auth.login(newSession('enzo'), '975310', 'enzo')).lockedUntil).not.toBeNull();
    expect((await auth.login(newSession('admin'), '246813')).loggedIn).toBe(true);
    // Names that are not accounts share one count (no fresh budget per made-up name).
    for (const name of ['a1', 'a2', 'a3']) await auth.login(newSession('guess'), '000000', name);
    expect((await auth.login(newSession('guess'), '000000', 'a4')).lockedUntil).not.toBeNull();
  });

  it('a disabled or deleted account, or a role change, takes effect at once', async () => {
    const { auth } = setup();
    await auth.setupPin(newSession('x'), '246813');
    const e = await auth.createAccount('enzo', 'enroller', '975310');
    const s = newSession('enzo');
    await auth.login(s, '975310', 'enzo');
    await auth.updateAccount(e.id, { role: 'viewer' });
    expect(auth.isLoggedIn(s)).toBe(false);
    await auth.login(s, '975310', 'enzo');
    expect(auth.state(s).account?.role).toBe('viewer');
    await auth.updateAccount(e.id, { disabled: true });
    expect(auth.isLoggedIn(s)).toBe(false);
    expect((await auth.login(s, '975310', 'enzo')).loggedIn).toBe(false);
  });

  it('never leaves the site without an administrator', async () => {
    const { auth } = setup();
    await auth.setupPin(newSession('x'), '246813');
    const [admin] = auth.listAccounts();
    await expect(auth.deleteAccount(admin.id)).rejects.toThrow(/last administrator/);
    await expect(auth.updateAccount(admin.id, { role: 'viewer' })).rejects.toThrow(/last administrator/);
    await expect(auth.updateAccount(admin.id, { disabled: true })).rejects.toThrow(/last administrator/);
    await auth.createAccount('second', 'administrator', '112233');
    expect(await auth.deleteAccount(admin.id)).toBe(true);
  });

  it('the role table: viewers get the log and reports only; enrollers people and faces only', () => {
    const admin = callNames.filter(isAdminCall);
    const viewer = admin.filter((n) => rolesFor(n).includes('viewer'));
    const enroller = admin.filter((n) => rolesFor(n).includes('enroller'));
    expect(viewer.sort()).toEqual(
      [
        'admin.changePin',
        'events.exportCsv',
        'events.query',
        'people.list',
        'reports.daily',
        'reports.exportCsv',
      ].sort(),
    );
    for (const name of viewer)
      expect(name).not.toMatch(/^(door|settings|accounts|enrol|roster)\.|thumbnail|snapshot/);
    // Enrollers: people and their faces, a roster of them included; never the faces kept at events.
    for (const name of enroller) expect(name).toMatch(/^(people|enrol|roster)\.|^admin\.changePin$/);
    expect(rolesFor('events.snapshot')).toEqual(['administrator']);
    expect(rolesFor('events.snapshotIds')).toEqual(['administrator']);
    for (const name of admin) expect(rolesFor(name)).toContain('administrator');
  });
});
