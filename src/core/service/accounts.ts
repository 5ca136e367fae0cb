import type { Account, Role } from '../../shared/roles';
import { FaceGateError } from '../errors';
import type { FaceGateDatabase } from '../gallery/database';
import { isoFromMs } from '../gallery/time';
import type { CallerSession } from './session';
import { pinHashSchema, type PinHash } from '../gallery/pin-hash';

interface AccountRow {
  id: number;
  name: string;
  role: Role;
  secret: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface StoredAccount extends Account {
  secret: PinHash;
}

function toAccount(row: AccountRow): StoredAccount {
  let secret: PinHash;
  try {
    secret = pinHashSchema.parse(JSON.parse(row.secret));
  } catch {
    // Never fall back to "no secret": that would let anyone in or set a new one.
    throw new FaceGateError(
      'DATABASE',
      `The stored secret of admin account '${row.name}' is damaged. Set a new one from this computer: ` +
        `facegate admin reset-pin --account ${row.name}.`,
    );
  }
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    disabled: row.disabled === 1,
    createdAt: isoFromMs(row.created_at),
    updatedAt: isoFromMs(row.updated_at),
    secret,
  };
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && /UNIQUE constraint failed/.test(error.message);

/** The `admin_accounts` table (migration 5): names are unique regardless of case. */
export class AccountStore {
  constructor(private readonly db: FaceGateDatabase) {}

  list(): Account[] {
    return (this.db.sqlite.prepare('SELECT * FROM admin_accounts ORDER BY name').all() as AccountRow[])
      .map(toAccount)
      .map(({ secret: _secret, ...account }) => account);
  }

  count(): number {
    return (this.db.sqlite.prepare('SELECT count(*) AS n FROM admin_accounts').get() as { n: number }).n;
  }

  find(name: string): StoredAccount | undefined {
    const row = this.db.sqlite.prepare('SELECT * FROM admin_accounts WHERE name = ?').get(name.trim()) as
      AccountRow | undefined;
    return row ? toAccount(row) : undefined;
  }

  get(id: number): StoredAccount | undefined {
    const row = this.db.sqlite.prepare('SELECT * FROM admin_accounts WHERE id = ?').get(id) as
      AccountRow | undefined;
    return row ? toAccount(row) : undefined;
  }

  require(id: number): StoredAccount {
    const account = this.get(id);
    if (!account) throw new FaceGateError('NOT_FOUND', `There is no admin account #${id}.`);
    return account;
  }

  create(name: string, role: Role, secret: PinHash, now: number): StoredAccount {
    try {
      const result = this.db.sqlite
        .prepare(
          'INSERT INTO admin_accounts (name, role, secret, disabled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)',
        )
        .run(name.trim(), role, JSON.stringify(secret), now, now);
      return this.require(Number(result.lastInsertRowid));
    } catch (error) {
      if (isUniqueViolation(error))
        throw new FaceGateError('CONFLICT', `An admin account named '${name}' already exists.`);
      throw error;
    }
  }

  update(
    id: number,
    change: { role?: Role; disabled?: boolean; secret?: PinHash },
    now: number,
  ): StoredAccount {
    const current = this.require(id);
    this.db.sqlite
      .prepare('UPDATE admin_accounts SET role = ?, disabled = ?, secret = ?, updated_at = ? WHERE id = ?')
      .run(
        change.role ?? current.role,
        (change.disabled ?? current.disabled) ? 1 : 0,
        JSON.stringify(change.secret ?? current.secret),
        now,
        id,
      );
    return this.require(id);
  }

  delete(id: number): boolean {
    return this.db.sqlite.prepare('DELETE FROM admin_accounts WHERE id = ?').run(id).changes > 0;
  }

  /** Enabled administrators: there must always be one. */
  administrators(): number {
    return (
      this.db.sqlite
        .prepare("SELECT count(*) AS n FROM admin_accounts WHERE role = 'administrator' AND disabled = 0")
        .get() as { n: number }
    ).n;
  }
}

/** The account logged in on each session, for the audit log's actor (see actorOf). */
const sessionAccounts = new WeakMap<CallerSession, string>();

export function setSessionAccount(session: CallerSession, name: string | null): void {
  if (name === null) sessionAccounts.delete(session);
  else sessionAccounts.set(session, name);
}

export function sessionAccount(session: CallerSession): string | undefined {
  return sessionAccounts.get(session);
}
