import { randomBytes } from 'node:crypto';
import type { AdminState } from '../../shared/contract';
import type { Account, Role } from '../../shared/roles';
import type { Settings } from '../../shared/settings';
import { FaceGateError } from '../errors';
import { setSessionAccount, type AccountStore, type StoredAccount } from './accounts';
import type { KeyValueStore } from './key-value-store';
import { LockoutBook, type Lockout } from './lockout-book';
import { hashPin, verifyPin, type PinHash } from '../gallery/pin-hash';
import type { CallerSession } from './session';
import { SerialQueue } from '../serial-queue';

/** The account a login names when it names none (the shared PIN of before became 'admin'). */
export const defaultAccount = 'admin';
const lockoutKey = 'admin.lockouts';
/** The longest a lockout lasts, however many failures came before. */
export const maxLockoutMs = 15 * 60 * 1000;
/** One failure is forgiven per this long without another: the count decays. */
export const failureDecayMs = 5 * 60 * 1000;

/**
 * Whose failures count together: the app's own window ('app'), each paired kiosk
 * ('kiosk:<id>'), and every other connection together ('unpaired', so opening more connections
 * or addresses buys no more guesses). Someone without the PIN can lock out only their own kind:
 * never the app's window or a paired kiosk.
 */
export type LockoutClient = (session: CallerSession) => string;

interface Login {
  token: string;
  lastUsed: number;
  accountId: number;
  /** The account's secret's salt at login: a new secret (reset, change) ends the login. */
  pinSalt: string;
}

/** Verified against when the account does not exist, so a wrong name takes as long as a wrong secret. */
let decoy: Promise<PinHash> | undefined;

/**
 * Admin accounts and who is logged in as which. Each account (administrator, viewer, enroller:
 * src/shared/roles.ts) has its own PIN or passphrase, stored as a scrypt hash, and its own
 * lockout: failed attempts are counted per account and client (see LockoutClient; all unknown
 * account names share one count) and persisted, so restarting the app does not reset a lockout,
 * which doubles with every failure past the allowance up to maxLockoutMs; failures decay (one
 * forgiven per failureDecayMs). Attempts are handled one at a time, so parallel guesses cannot
 * slip through. A login ends when its account is disabled, deleted or given a new secret; a role
 * change applies to the next call.
 */
export class AdminAuth {
  private readonly logins = new Map<string, Login>();
  /** The account each session last tried, so admin.state reports that account's lockout. */
  private readonly tried = new Map<string, string>();
  private readonly queue = new SerialQueue();
  private readonly book: LockoutBook;

  constructor(
    store: KeyValueStore,
    private readonly accountStore: AccountStore,
    private readonly options: () => Settings['admin'],
    private readonly now: () => number = Date.now,
    private readonly clientOf: LockoutClient = () => 'unpaired',
  ) {
    this.book = new LockoutBook(
      store,
      lockoutKey,
      () => ({
        allowance: this.options().lockoutAfter,
        firstLockMs: this.options().lockoutSeconds * 1000,
        maxLockMs: maxLockoutMs,
        decayMs: failureDecayMs,
      }),
      now,
    );
  }

  state(session: CallerSession, accountName?: string): AdminState {
    const login = this.activeLogin(session);
    const account = login ? this.accountStore.get(login.accountId) : undefined;
    const name = accountName ?? account?.name ?? this.tried.get(session.id) ?? defaultAccount;
    const lockout = this.lockout(session, name);
    const lockedUntil =
      lockout.lockedUntil !== null && lockout.lockedUntil > this.now() ? lockout.lockedUntil : null;
    return {
      pinSet: this.accountStore.count() > 0,
      loggedIn: login !== undefined,
      failedAttempts: Math.ceil(lockout.failures),
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
      account: account ? { name: account.name, role: account.role } : null,
    };
  }

  /** First run: create the first administrator and log this session in. Refused once an account exists. */
  setupPin(session: CallerSession, pin: string, name: string = defaultAccount): Promise<AdminState> {
    return this.serial(async () => {
      if (this.accountStore.count() > 0) {
        throw new FaceGateError(
          'UNAUTHORIZED',
          'An administrator account already exists. Log in with it; an administrator adds more accounts.',
        );
      }
      const account = this.accountStore.create(name, 'administrator', await hashPin(pin), this.now());
      this.book.clearAll();
      this.logIn(session, account);
      return this.state(session);
    });
  }

  /** A wrong name or secret is an answer (loggedIn false, the lockout state), not an error. */
  login(session: CallerSession, pin: string, name: string = defaultAccount): Promise<AdminState> {
    return this.serial(async () => {
      if (this.accountStore.count() === 0) {
        throw new FaceGateError(
          'UNAUTHORIZED',
          'No admin account exists yet: create one first (admin.setupPin).',
        );
      }
      this.tried.set(session.id, name);
      if (this.isLockedOut(session, name)) return this.state(session, name);
      const account = this.accountStore.find(name);
      const usable = account && !account.disabled ? account : undefined;
      decoy ??= hashPin(randomBytes(16).toString('hex'));
      const ok = await verifyPin(pin, usable?.secret ?? (await decoy));
      if (ok && usable) {
        this.book.clear(this.lockoutKey(session, name));
        this.logIn(session, usable);
      } else {
        this.recordFailure(session, name);
        this.logins.delete(session.id);
        setSessionAccount(session, null);
      }
      return this.state(session, name);
    });
  }

  logout(session: CallerSession): AdminState {
    this.logins.delete(session.id);
    setSessionAccount(session, null);
    return this.state(session);
  }

  /** Change this account's secret; the current one is checked (and counts towards the lockout). Its other sessions end. */
  changePin(session: CallerSession, currentPin: string, newPin: string): Promise<AdminState> {
    return this.serial(async () => {
      const account = this.require(session, ['administrator', 'viewer', 'enroller']);
      if (this.isLockedOut(session, account.name)) {
        throw new FaceGateError('UNAUTHORIZED', 'Too many wrong PINs: wait for the lockout to end.');
      }
      if (!(await verifyPin(currentPin, account.secret))) {
        this.recordFailure(session, account.name);
        throw new FaceGateError('UNAUTHORIZED', 'The current PIN is not right; the PIN was not changed.');
      }
      const updated = this.accountStore.update(account.id, { secret: await hashPin(newPin) }, this.now());
      this.logIn(session, updated);
      return this.state(session);
    });
  }

  /**
   * Throws UNAUTHORIZED unless the session is logged in, has not been idle too long, and its
   * account's role is one of `allowed`. Returns the account.
   */
  require(session: CallerSession, allowed: readonly Role[] = ['administrator']): StoredAccount {
    const login = this.activeLogin(session);
    const account = login ? this.accountStore.get(login.accountId) : undefined;
    if (!login || !account) {
      throw new FaceGateError(
        'UNAUTHORIZED',
        'This needs an admin session: log in with your account (sessions end after a while without use).',
      );
    }
    if (!allowed.includes(account.role)) {
      throw new FaceGateError(
        'UNAUTHORIZED',
        `The account '${account.name}' (${account.role}) may not do this; it needs ${allowed.join(' or ')}.`,
        { details: { role: account.role, needed: [...allowed] } },
      );
    }
    login.lastUsed = this.now();
    return account;
  }

  isLoggedIn(session: CallerSession): boolean {
    return this.activeLogin(session) !== undefined;
  }

  endSession(session: CallerSession): void {
    this.logins.delete(session.id);
    this.tried.delete(session.id);
    setSessionAccount(session, null);
  }

  // Accounts (administrators only; the service checks the role) ------------------------------

  listAccounts(): Account[] {
    return this.accountStore.list();
  }

  createAccount(name: string, role: Role, secret: string): Promise<Account> {
    return this.serial(async () => {
      if (role !== 'administrator' && this.accountStore.administrators() === 0) {
        throw new FaceGateError(
          'CONFLICT',
          'There is no administrator yet: create one first (the admin screen, or facegate admin reset-pin).',
        );
      }
      return strip(this.accountStore.create(name, role, await hashPin(secret), this.now()));
    });
  }

  /** A new role, a disabled flag or a new secret; the account's sessions end. Never leaves no administrator. */
  updateAccount(id: number, change: { role?: Role; disabled?: boolean; secret?: string }): Promise<Account> {
    return this.serial(async () => {
      const current = this.accountStore.require(id);
      const stillAdmin =
        (change.role ?? current.role) === 'administrator' && !(change.disabled ?? current.disabled);
      if (current.role === 'administrator' && !current.disabled && !stillAdmin) this.keepAnAdministrator();
      const updated = this.accountStore.update(
        id,
        {
          ...(change.role ? { role: change.role } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
          ...(change.secret ? { secret: await hashPin(change.secret) } : {}),
        },
        this.now(),
      );
      this.endLoginsOf(id);
      return strip(updated);
    });
  }

  deleteAccount(id: number): Promise<boolean> {
    return this.serial(async () => {
      const current = this.accountStore.get(id);
      if (!current) return false;
      if (current.role === 'administrator' && !current.disabled) this.keepAnAdministrator();
      this.endLoginsOf(id);
      return this.accountStore.delete(id);
    });
  }

  private keepAnAdministrator(): void {
    if (this.accountStore.administrators() <= 1) {
      throw new FaceGateError(
        'CONFLICT',
        'This is the last administrator: make another account an administrator first.',
      );
    }
  }

  private endLoginsOf(accountId: number): void {
    for (const [id, login] of [...this.logins]) if (login.accountId === accountId) this.logins.delete(id);
  }

  private activeLogin(session: CallerSession): Login | undefined {
    const login = this.logins.get(session.id);
    if (!login) return undefined;
    const account = this.accountStore.get(login.accountId);
    if (
      this.now() - login.lastUsed > this.options().sessionMinutes * 60_000 ||
      !account ||
      account.disabled ||
      account.secret.salt !== login.pinSalt
    ) {
      this.logins.delete(session.id);
      setSessionAccount(session, null);
      return undefined;
    }
    return login;
  }

  private logIn(session: CallerSession, account: StoredAccount): void {
    for (const [id, login] of [...this.logins])
      if (login.accountId === account.id && id !== session.id && login.pinSalt !== account.secret.salt)
        this.logins.delete(id);
    this.logins.set(session.id, {
      token: randomBytes(24).toString('base64url'),
      lastUsed: this.now(),
      accountId: account.id,
      pinSalt: account.secret.salt,
    });
    setSessionAccount(session, account.name);
  }

  /**
   * Set from the machine itself (`facegate admin reset-pin`): the account (default admin) gets the
   * new secret, is enabled and made an administrator (created when missing); every lockout and
   * login ends.
   */
  async resetPin(pin: string, name: string = defaultAccount): Promise<void> {
    await this.serial(async () => {
      const secret = await hashPin(pin);
      const account = this.accountStore.find(name);
      if (account)
        this.accountStore.update(account.id, { secret, disabled: false, role: 'administrator' }, this.now());
      else this.accountStore.create(name, 'administrator', secret, this.now());
      this.book.clearAll();
      this.logins.clear();
    });
  }

  private recordFailure(session: CallerSession, name: string): void {
    this.book.fail(this.lockoutKey(session, name));
  }

  private isLockedOut(session: CallerSession, name: string): boolean {
    return this.book.isLocked(this.lockoutKey(session, name));
  }

  /** This client's lockout with the failures decayed to now. */
  private lockout(session: CallerSession, name: string): Lockout {
    return this.book.get(this.lockoutKey(session, name));
  }

  /** One count per client and account; every name that is not an account shares one ('?'). */
  private lockoutKey(session: CallerSession, name: string): string {
    const account = this.accountStore.find(name);
    return `${this.clientOf(session)}|${account ? account.name.toLowerCase() : '?'}`;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }
}

function strip({ secret: _secret, ...account }: StoredAccount): Account {
  return account;
}
