import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AdminState } from '../../shared/contract';
import type { Settings } from '../../shared/settings';
import { FaceGateError } from '../errors';
import type { KeyValueStore } from './key-value-store';
import { hashPin, pinHashSchema, verifyPin } from './pin-hash';
import type { CallerSession } from './session';

const pinKey = 'admin.pin';
const lockoutKey = 'admin.lockouts';
const lockoutSchema = z.object({
  failures: z.number().nonnegative(),
  lastFailureAt: z.number(),
  lockedUntil: z.number().nullable(),
});
type Lockout = z.infer<typeof lockoutSchema>;
const lockoutsSchema = z.record(z.string(), lockoutSchema);
/** The longest a lockout lasts, however many failures came before. */
export const maxLockoutMs = 15 * 60 * 1000;
/** One failure is forgiven per this long without another: the count decays. */
export const failureDecayMs = 5 * 60 * 1000;
const cleanLockout: Lockout = { failures: 0, lastFailureAt: 0, lockedUntil: null };

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
  /** The stored PIN's salt at login: a PIN reset from the machine ends the login. */
  pinSalt: string | null;
}

/**
 * The admin PIN and who is logged in. The PIN is stored as a scrypt hash; failed attempts are
 * counted per client (see LockoutClient) and persisted, so restarting the app does not reset a
 * lockout, which doubles with every failure past the allowance up to maxLockoutMs; failures
 * decay (one forgiven per failureDecayMs). Attempts are handled one at a time, so parallel
 * guesses cannot slip through.
 */
export class AdminAuth {
  private readonly logins = new Map<string, Login>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: () => Settings['admin'],
    private readonly now: () => number = Date.now,
    private readonly clientOf: LockoutClient = () => 'unpaired',
  ) {}

  state(session: CallerSession): AdminState {
    const lockout = this.lockout(session);
    const lockedUntil =
      lockout.lockedUntil !== null && lockout.lockedUntil > this.now() ? lockout.lockedUntil : null;
    return {
      pinSet: this.storedPin() !== undefined,
      loggedIn: this.activeLogin(session) !== undefined,
      failedAttempts: Math.ceil(lockout.failures),
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
    };
  }

  /** First run: set the PIN and log this session in. Refused once a PIN exists. */
  setupPin(session: CallerSession, pin: string): Promise<AdminState> {
    return this.serial(async () => {
      if (this.storedPin() !== undefined) {
        throw new FaceGateError(
          'UNAUTHORIZED',
          'An admin PIN is already set. Log in with it, or change it from the admin screen.',
        );
      }
      this.store.set(pinKey, await hashPin(pin));
      this.store.set(lockoutKey, {});
      this.logIn(session);
      return this.state(session);
    });
  }

  /** A wrong PIN is an answer (loggedIn false, the lockout state), not an error. */
  login(session: CallerSession, pin: string): Promise<AdminState> {
    return this.serial(async () => {
      const stored = this.storedPin();
      if (stored === undefined) {
        throw new FaceGateError('UNAUTHORIZED', 'No admin PIN is set yet: set one first (admin.setupPin).');
      }
      if (this.isLockedOut(session)) return this.state(session);
      if (await verifyPin(pin, stored)) {
        this.setLockout(session, cleanLockout);
        this.logIn(session);
      } else {
        this.recordFailure(session);
        this.logins.delete(session.id);
      }
      return this.state(session);
    });
  }

  logout(session: CallerSession): AdminState {
    this.logins.delete(session.id);
    return this.state(session);
  }

  /** Change the PIN; the current one is checked (and counts towards the lockout). Other sessions end. */
  changePin(session: CallerSession, currentPin: string, newPin: string): Promise<AdminState> {
    return this.serial(async () => {
      this.require(session);
      const stored = this.storedPin();
      if (stored === undefined || this.isLockedOut(session)) {
        throw new FaceGateError('UNAUTHORIZED', 'Too many wrong PINs: wait for the lockout to end.');
      }
      if (!(await verifyPin(currentPin, stored))) {
        this.recordFailure(session);
        throw new FaceGateError('UNAUTHORIZED', 'The current PIN is not right; the PIN was not changed.');
      }
      this.store.set(pinKey, await hashPin(newPin));
      for (const id of [...this.logins.keys()]) if (id !== session.id) this.logins.delete(id);
      this.logIn(session);
      return this.state(session);
    });
  }

  /** Throws UNAUTHORIZED unless the session is logged in and has not been idle too long. */
  require(session: CallerSession): void {
    const login = this.activeLogin(session);
    if (!login) {
      throw new FaceGateError(
        'UNAUTHORIZED',
        'This needs an admin session: log in with the admin PIN (sessions end after a while without use).',
      );
    }
    login.lastUsed = this.now();
  }

  isLoggedIn(session: CallerSession): boolean {
    return this.activeLogin(session) !== undefined;
  }

  endSession(session: CallerSession): void {
    this.logins.delete(session.id);
  }

  private activeLogin(session: CallerSession): Login | undefined {
    const login = this.logins.get(session.id);
    if (!login) return undefined;
    if (
      this.now() - login.lastUsed > this.options().sessionMinutes * 60_000 ||
      (this.storedPin()?.salt ?? null) !== login.pinSalt
    ) {
      this.logins.delete(session.id);
      return undefined;
    }
    return login;
  }

  private logIn(session: CallerSession): void {
    this.logins.set(session.id, {
      token: randomBytes(24).toString('base64url'),
      lastUsed: this.now(),
      pinSalt: this.storedPin()?.salt ?? null,
    });
  }

  /** Set from the machine itself (`facegate admin reset-pin`): every lockout and login ends. */
  async resetPin(pin: string): Promise<void> {
    await this.serial(async () => {
      this.store.set(pinKey, await hashPin(pin));
      this.store.set(lockoutKey, {});
      this.logins.clear();
    });
  }

  private recordFailure(session: CallerSession): void {
    const { lockoutAfter, lockoutSeconds } = this.options();
    const now = this.now();
    const failures = this.lockout(session).failures + 1;
    const over = Math.floor(failures) - lockoutAfter;
    const lockedUntil =
      over >= 0 ? now + Math.min(maxLockoutMs, lockoutSeconds * 1000 * 2 ** Math.min(over, 20)) : null;
    this.setLockout(session, { failures, lastFailureAt: now, lockedUntil });
  }

  private isLockedOut(session: CallerSession): boolean {
    const { lockedUntil } = this.lockout(session);
    return lockedUntil !== null && lockedUntil > this.now();
  }

  /** This client's lockout with the failures decayed to now. */
  private lockout(session: CallerSession): Lockout {
    const stored = this.lockouts()[this.clientOf(session)];
    if (!stored) return cleanLockout;
    const forgiven = Math.floor(Math.max(0, this.now() - stored.lastFailureAt) / failureDecayMs);
    return { ...stored, failures: Math.max(0, stored.failures - forgiven) };
  }

  private setLockout(session: CallerSession, lockout: Lockout): void {
    const all = this.lockouts();
    const key = this.clientOf(session);
    if (lockout.failures === 0 && lockout.lockedUntil === null) delete all[key];
    else all[key] = lockout;
    this.store.set(lockoutKey, all);
  }

  private lockouts(): Record<string, Lockout> {
    const parsed = lockoutsSchema.safeParse(this.store.get(lockoutKey) ?? {});
    return parsed.success ? { ...parsed.data } : {};
  }

  private storedPin() {
    const value = this.store.get(pinKey);
    if (value === undefined || value === null) return undefined;
    const parsed = pinHashSchema.safeParse(value);
    if (!parsed.success) {
      // Never fall back to "no PIN" on a damaged record: that would let anyone set a new one.
      throw new FaceGateError(
        'DATABASE',
        `The stored admin PIN (setting '${pinKey}' in the database) is damaged. Stop FaceGate, delete that ` +
          `row (sqlite3 facegate.db "DELETE FROM settings WHERE key='${pinKey}'"), and set a new PIN on the admin screen.`,
      );
    }
    return parsed.data;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
