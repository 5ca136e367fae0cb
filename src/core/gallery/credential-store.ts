import { createHmac, randomBytes } from 'node:crypto';
import type { PersonCredentials } from '../../shared/credentials';
import { FaceGateError } from '../errors';
import { pinHashSchema, type PinHash } from './pin-hash';
import type { FaceGateDatabase } from './database';

interface Row {
  person_id: number;
  pin: string | null;
  duress: string | null;
  badge: string | null;
}

/** A person's stored kiosk credentials (hashes, never the PINs). */
export interface StoredCredentials {
  personId: number;
  pin: PinHash | null;
  duress: PinHash | null;
  badge: string | null;
}

/** A change as the store takes it: the hashes and tags are made by the caller (scrypt is async). */
export interface CredentialChange {
  pin?: { hash: PinHash; tag: string } | null;
  duress?: { hash: PinHash; tag: string } | null;
  badge?: string | null;
}

const tagKeySetting = 'credentials.tagKey';

function parseHash(text: string | null, personId: number): PinHash | null {
  if (text === null) return null;
  try {
    return pinHashSchema.parse(JSON.parse(text));
  } catch {
    throw new FaceGateError(
      'DATABASE',
      `The stored PIN of person #${personId} is damaged; set it again (facegate people edit ${personId} --pin -).`,
    );
  }
}

/** A PIN's tag under a tag key (base64): a site's kiosks share the key, so they share the tags. */
export function pinTag(keyBase64: string, pin: string): string {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(pin.normalize('NFKC')).digest('hex');
}

/**
 * Personal PINs, duress PINs and badge numbers (migration 8, docs/access.md). A PIN is kept as a
 * scrypt hash (src/core/gallery/pin-hash.ts, like an admin secret) and as a tag, an HMAC-SHA256
 * of the PIN under a random key of this database: a PIN typed alone at the kiosk finds its person
 * by the tag (one scrypt check, not one per person), and no two people, nor one person's PIN and
 * duress PIN, can share a PIN (the kiosk could not tell them apart).
 */
export class CredentialStore {
  constructor(private readonly db: FaceGateDatabase) {}

  /** The tag of a PIN under this database's key (made on first use). */
  tag(pin: string): string {
    const stored = this.db.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(tagKeySetting) as
      { value: string } | undefined;
    let key = stored ? (JSON.parse(stored.value) as string) : null;
    if (!key) {
      key = randomBytes(32).toString('base64');
      this.db.sqlite
        .prepare('INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)')
        .run(tagKeySetting, JSON.stringify(key), Date.now());
      return this.tag(pin);
    }
    return pinTag(key, pin);
  }

  get(personId: number): StoredCredentials | undefined {
    const row = this.db.sqlite
      .prepare('SELECT person_id, pin, duress, badge FROM person_credentials WHERE person_id = ?')
      .get(personId) as Row | undefined;
    return row ? this.toStored(row) : undefined;
  }

  /** What admin may see: whether the PINs are set, the badge number. */
  summary(personId: number): PersonCredentials {
    const c = this.get(personId);
    return { personId, pin: c?.pin != null, duressPin: c?.duress != null, badge: c?.badge ?? null };
  }

  /** The person whose PIN or duress PIN has this tag, and which of the two it is. */
  byTag(tag: string): { credentials: StoredCredentials; duress: boolean } | undefined {
    const row = this.db.sqlite
      .prepare(
        'SELECT person_id, pin, duress, badge, duress_tag = ? AS is_duress FROM person_credentials WHERE pin_tag = ? OR duress_tag = ?',
      )
      .get(tag, tag, tag) as (Row & { is_duress: number }) | undefined;
    return row ? { credentials: this.toStored(row), duress: row.is_duress === 1 } : undefined;
  }

  byBadge(badge: string): StoredCredentials | undefined {
    const row = this.db.sqlite
      .prepare('SELECT person_id, pin, duress, badge FROM person_credentials WHERE badge = ?')
      .get(badge) as Row | undefined;
    return row ? this.toStored(row) : undefined;
  }

  /** Whether any person has a PIN or a badge (the kiosk shows its PIN pad then). */
  any(): boolean {
    return (
      this.db.sqlite
        .prepare('SELECT 1 FROM person_credentials WHERE pin IS NOT NULL OR badge IS NOT NULL LIMIT 1')
        .get() !== undefined
    );
  }

  set(personId: number, change: CredentialChange, now = Date.now()): PersonCredentials {
    const person = this.db.sqlite.prepare('SELECT id FROM people WHERE id = ?').get(personId);
    if (!person) throw new FaceGateError('NOT_FOUND', `There is no person #${personId}.`);
    const tags = [change.pin?.tag, change.duress?.tag].filter((t): t is string => typeof t === 'string');
    if (tags.length === 2 && tags[0] === tags[1]) {
      throw new FaceGateError('INVALID_INPUT', 'The duress PIN must differ from the PIN.');
    }
    const run = this.db.sqlite.transaction(() => {
      for (const tag of tags) {
        const owner = this.db.sqlite
          .prepare(
            'SELECT person_id, pin_tag = ? AS is_pin FROM person_credentials WHERE pin_tag = ? OR duress_tag = ?',
          )
          .get(tag, tag, tag) as { person_id: number; is_pin: number } | undefined;
        // The person's own old PIN being replaced is no clash; anyone else's is.
        const replaced =
          owner?.person_id === personId &&
          ((owner.is_pin === 1 && change.pin !== undefined) ||
            (owner.is_pin !== 1 && change.duress !== undefined));
        if (owner && !replaced) {
          throw new FaceGateError(
            'CONFLICT',
            owner.person_id === personId
              ? 'The duress PIN must differ from the PIN.'
              : 'Another person already has this PIN (or duress PIN): choose another one.',
          );
        }
      }
      if (change.badge) {
        const owner = this.byBadge(change.badge);
        if (owner && owner.personId !== personId) {
          throw new FaceGateError(
            'CONFLICT',
            `The badge ${change.badge} belongs to another person (#${owner.personId}).`,
          );
        }
      }
      this.db.sqlite
        .prepare('INSERT OR IGNORE INTO person_credentials (person_id, updated_at) VALUES (?, ?)')
        .run(personId, now);
      const sets: string[] = ['updated_at = @now'];
      const values: Record<string, unknown> = { id: personId, now };
      if (change.pin !== undefined) {
        sets.push('pin = @pin', 'pin_tag = @pinTag');
        values.pin = change.pin ? JSON.stringify(change.pin.hash) : null;
        values.pinTag = change.pin?.tag ?? null;
      }
      if (change.duress !== undefined) {
        sets.push('duress = @duress', 'duress_tag = @duressTag');
        values.duress = change.duress ? JSON.stringify(change.duress.hash) : null;
        values.duressTag = change.duress?.tag ?? null;
      }
      if (change.badge !== undefined) {
        sets.push('badge = @badge');
        values.badge = change.badge;
      }
      this.db.sqlite
        .prepare(`UPDATE person_credentials SET ${sets.join(', ')} WHERE person_id = @id`)
        .run(values);
      this.db.sqlite
        .prepare(
          'DELETE FROM person_credentials WHERE person_id = ? AND pin IS NULL AND duress IS NULL AND badge IS NULL',
        )
        .run(personId);
    });
    run();
    return this.summary(personId);
  }

  private toStored(row: Row): StoredCredentials {
    return {
      personId: row.person_id,
      pin: parseHash(row.pin, row.person_id),
      duress: parseHash(row.duress, row.person_id),
      badge: row.badge,
    };
  }
}
