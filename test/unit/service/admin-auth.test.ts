import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { AccountStore } from '../../../src/core/service/accounts';
import { AdminAuth, failureDecayMs, maxLockoutMs } from '../../../src/core/service/admin-auth';
import { newSession } from '../../../src/core/service/session';
import { defaultSettings } from '../../../src/shared/settings';
import { rejectsWith } from '../../helpers/errors';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-auth-'));
let files = 0;
const galleries: Gallery[] = [];
afterAll(() => {
  for (const g of galleries) g.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A real SQLite database (settings table for lockouts, admin_accounts for the accounts). */
function database() {
  const gallery = Gallery.open(path.join(dir, `auth-${files++}.db`));
  galleries.push(gallery);
  return { store: gallery.settings, accounts: new AccountStore(gallery.db), gallery };
}

function setup(options = defaultSettings.admin) {
  let now = 1_700_000_000_000;
  const { store, accounts, gallery } = database();
  const auth = new AdminAuth(
    store,
    accounts,
    () => options,
    () => now,
  );
  return {
    auth,
    store,
    accounts,
    gallery,
    advance: (ms: number) => (now += ms),
    session: () => newSession('test'),
  };
}

describe('admin PIN and sessions', () => {
  it('starts with no PIN; the first setup logs in and a second setup is refused', async () => {
    const { auth, session } = setup();
    const a = session();
    expect(auth.state(a)).toMatchObject({ pinSet: false, loggedIn: false });
    expect(await auth.setupPin(a, '2468')).toMatchObject({ pinSet: true, loggedIn: true });
    await rejectsWith(auth.setupPin(session(), '1111'), 'UNAUTHORIZED');
  });

  it('stores a salted scrypt hash, never the PIN', async () => {
    const { auth, gallery, session } = setup();
    await auth.setupPin(session(), '2468');
    const stored = JSON.stringify(gallery.db.sqlite.prepare('SELECT * FROM admin_accounts').all());
    expect(stored).not.toContain('2468');
    expect(stored).toContain('scrypt');
  });

  it('logs a session in with the right PIN only; sessions are independent', async () => {
    const { auth, session } = setup();
    await auth.setupPin(session(), '2468');
    const kiosk = session();
    const admin = session();
    expect((await auth.login(kiosk, '1357')).loggedIn).toBe(false);
    expect((await auth.login(admin, '2468')).loggedIn).toBe(true);
    expect(auth.isLoggedIn(kiosk)).toBe(false);
    expect(() => auth.require(kiosk)).toThrow(/admin/);
    expect(() => auth.require(admin)).not.toThrow();
    auth.logout(admin);
    expect(() => auth.require(admin)).toThrow();
  });

  it('locks out after repeated failures, longer each time, and does not even check the PIN meanwhile', async () => {
    const { auth, session, advance } = setup({ lockoutAfter: 3, lockoutSeconds: 10, sessionMinutes: 15 });
    await auth.setupPin(session(), '2468');
    const s = session();
    for (let i = 0; i < 2; i++) expect((await auth.login(s, '0000')).lockedUntil).toBeNull();
    const third = await auth.login(s, '0000');
    expect(third.failedAttempts).toBe(3);
    expect(third.lockedUntil).not.toBeNull();
    // The right PIN is refused during the lockout.
    expect((await auth.login(s, '2468')).loggedIn).toBe(false);
    advance(10_001);
    const fourth = await auth.login(s, '0000');
    const lockMs = Date.parse(fourth.lockedUntil!) - (1_700_000_000_000 + 10_001);
    expect(lockMs).toBe(20_000);
    advance(20_001);
    expect((await auth.login(s, '2468')).loggedIn).toBe(true);
    expect(auth.state(s).failedAttempts).toBe(0);
  });

  it('keeps the lockout across a restart (it is stored)', async () => {
    const { auth, store, accounts, session } = setup({
      lockoutAfter: 1,
      lockoutSeconds: 60,
      sessionMinutes: 15,
    });
    await auth.setupPin(session(), '2468');
    await auth.login(session(), '0000');
    const restarted = new AdminAuth(
      store,
      accounts,
      () => defaultSettings.admin,
      () => 1_700_000_000_000,
    );
    expect((await restarted.login(session(), '2468')).loggedIn).toBe(false);
  });

  it('counts parallel guesses one by one', async () => {
    const { auth, session } = setup({ lockoutAfter: 3, lockoutSeconds: 60, sessionMinutes: 15 });
    await auth.setupPin(session(), '2468');
    const s = session();
    const results = await Promise.all(
      ['1', '2', '3', '4', '5', '2468'].map((p) => auth.login(s, p.padStart(4, '0'))),
    );
    // The third wrong guess locks; later guesses, the right PIN included, are not even checked.
    expect(results.map((r) => r.failedAttempts)).toEqual([1, 2, 3, 3, 3, 3]);
    expect(results.at(-1)!.loggedIn).toBe(false);
  });

  it('ends a session after the idle time', async () => {
    const { auth, session, advance } = setup({ lockoutAfter: 5, lockoutSeconds: 30, sessionMinutes: 1 });
    const s = session();
    await auth.setupPin(s, '2468');
    advance(59_000);
    expect(() => auth.require(s)).not.toThrow(); // and this use refreshes it
    advance(59_000);
    expect(auth.isLoggedIn(s)).toBe(true);
    advance(61_000);
    expect(auth.isLoggedIn(s)).toBe(false);
  });

  it('changes the PIN only with the current one, and ends the other sessions', async () => {
    const { auth, session } = setup();
    const a = session();
    const b = session();
    await auth.setupPin(a, '2468');
    await auth.login(b, '2468');
    await rejectsWith(auth.changePin(a, '0000', '1357'), 'UNAUTHORIZED');
    await auth.changePin(a, '2468', '1357');
    expect(auth.isLoggedIn(a)).toBe(true);
    expect(auth.isLoggedIn(b)).toBe(false);
    expect((await auth.login(b, '2468')).loggedIn).toBe(false);
    expect((await auth.login(b, '1357')).loggedIn).toBe(true);
  });

  it('refuses to treat a damaged PIN record as "no PIN" (that would let anyone set one)', async () => {
    const { auth, gallery, session } = setup();
    await auth.setupPin(session(), '2468');
    gallery.db.sqlite.prepare(`UPDATE admin_accounts SET secret = '{"broken":true}'`).run();
    await rejectsWith(auth.login(session(), '2468'), 'DATABASE');
    await rejectsWith(auth.setupPin(session(), '1234'), 'UNAUTHORIZED');
  });
});

describe('admin lockout per client, decaying (issue 13)', () => {
  function setupClients() {
    let now = 1_700_000_000_000;
    const { store, accounts } = database();
    const clients = new Map<string, string>();
    const auth = new AdminAuth(
      store,
      accounts,
      () => defaultSettings.admin,
      () => now,
      (s) => clients.get(s.id) ?? 'unpaired',
    );
    const session = (client?: string) => {
      const s = newSession('test');
      if (client) clients.set(s.id, client);
      return s;
    };
    return { auth, session, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('a client without the PIN locks out only its own kind: the app window still logs in', async () => {
    const { auth, session } = setupClients();
    await auth.setupPin(session('app'), '246813');
    // A script opens connection after connection: they all count as 'unpaired'.
    for (let i = 0; i < 12; i++) await auth.login(session(), '000000');
    const attacker = auth.state(session());
    expect(attacker.lockedUntil).not.toBeNull();
    expect((await auth.login(session(), '246813')).loggedIn).toBe(false);
    // The desk's own window and a paired kiosk are not locked out by that.
    expect((await auth.login(session('app'), '246813')).loggedIn).toBe(true);
    expect((await auth.login(session('kiosk:1'), '246813')).loggedIn).toBe(true);
  });

  it('never locks out for more than 15 minutes, and failures decay', async () => {
    const { auth, session, advance, now } = setupClients();
    await auth.setupPin(session('app'), '246813');
    for (let i = 0; i < 40; i++) {
      const state = await auth.login(session(), '000000');
      if (state.lockedUntil) {
        expect(Date.parse(state.lockedUntil) - now()).toBeLessThanOrEqual(maxLockoutMs);
        advance(Date.parse(state.lockedUntil) - now() + 1);
      }
    }
    // Quiet for an hour: twelve failures forgiven, a single new failure does not lock out.
    advance(60 * 60 * 1000);
    const state = await auth.login(session(), '000000');
    expect(state.lockedUntil).toBeNull();
    advance(failureDecayMs * 40);
    expect((await auth.login(session(), '246813')).loggedIn).toBe(true);
  });

  it('resetPin (from the machine) sets a new PIN, ends every login and lifts every lockout', async () => {
    const { auth, session } = setupClients();
    const admin = session('app');
    await auth.setupPin(admin, '246813');
    for (let i = 0; i < 8; i++) await auth.login(session(), '000000');
    await auth.resetPin('975312');
    expect(auth.isLoggedIn(admin)).toBe(false);
    expect((await auth.login(session(), '975312')).loggedIn).toBe(true);
  });
});
