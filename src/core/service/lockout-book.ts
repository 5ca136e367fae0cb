import { z } from 'zod';
import type { KeyValueStore } from './key-value-store';

const lockoutSchema = z.object({
  failures: z.number().nonnegative(),
  lastFailureAt: z.number(),
  lockedUntil: z.number().nullable(),
});
export type Lockout = z.infer<typeof lockoutSchema>;
const lockoutsSchema = z.record(z.string(), lockoutSchema);
export const cleanLockout: Lockout = { failures: 0, lastFailureAt: 0, lockedUntil: null };

export interface LockoutPolicy {
  /** The failure that locks: the allowance-th (and every one after it, for longer). */
  allowance: number;
  /** How long the first lock lasts; each failure past the allowance doubles it. */
  firstLockMs: number;
  maxLockMs: number;
  /** One failure is forgiven per this long without another (the count decays). */
  decayMs: number;
}

/**
 * Failed attempts counted per key and persisted in a KeyValueStore under one entry, so a restart
 * does not reset a lockout: the admin logins (per client and account) and the kiosk credentials
 * (per person, badge or kiosk) use the same book. Past the allowance every failure locks the key,
 * the wait doubling up to maxLockMs; failures decay, one forgiven per decayMs.
 */
export class LockoutBook {
  constructor(
    private readonly store: KeyValueStore,
    private readonly storeKey: string,
    private readonly policy: () => LockoutPolicy,
    private readonly now: () => number,
  ) {}

  /** The key's lockout with its failures decayed to now. */
  get(key: string): Lockout {
    const stored = this.all()[key];
    if (!stored) return cleanLockout;
    const forgiven = Math.floor(Math.max(0, this.now() - stored.lastFailureAt) / this.policy().decayMs);
    return { ...stored, failures: Math.max(0, stored.failures - forgiven) };
  }

  /** When the key's lock ends (epoch ms), or null when it is not locked now. */
  lockedUntil(key: string): number | null {
    const { lockedUntil } = this.get(key);
    return lockedUntil !== null && lockedUntil > this.now() ? lockedUntil : null;
  }

  isLocked(key: string): boolean {
    return this.lockedUntil(key) !== null;
  }

  fail(key: string): Lockout {
    const { allowance, firstLockMs, maxLockMs } = this.policy();
    const now = this.now();
    const failures = this.get(key).failures + 1;
    const over = Math.floor(failures) - allowance;
    const lockedUntil = over >= 0 ? now + Math.min(maxLockMs, firstLockMs * 2 ** Math.min(over, 20)) : null;
    const lockout = { failures, lastFailureAt: now, lockedUntil };
    this.put(key, lockout);
    return lockout;
  }

  clear(key: string): void {
    this.put(key, cleanLockout);
  }

  clearAll(): void {
    this.store.set(this.storeKey, {});
  }

  private put(key: string, lockout: Lockout): void {
    const all = this.all();
    if (lockout.failures === 0 && lockout.lockedUntil === null) {
      if (!(key in all)) return;
      delete all[key];
    } else all[key] = lockout;
    this.store.set(this.storeKey, all);
  }

  private all(): Record<string, Lockout> {
    const parsed = lockoutsSchema.safeParse(this.store.get(this.storeKey) ?? {});
    return parsed.success ? { ...parsed.data } : {};
  }
}
