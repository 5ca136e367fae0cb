import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FaceGateDatabase } from '../gallery/database';
import {
  apiScopes,
  integrationEventKinds,
  type ApiKey,
  type ApiScope,
  type Delivery,
  type IntegrationEvent,
  type IntegrationEventKind,
  type WebhookEndpoint,
} from '../../shared/integrations';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A webhook endpoint as the sender needs it (with its secret). */
export interface EndpointRecord extends WebhookEndpoint {
  secret: string;
}

/** One outbox row: an event promised to one target. */
export interface OutboxDue {
  id: number;
  target: string;
  attempts: number;
}
export interface OutboxRow extends OutboxDue {
  event: IntegrationEvent;
}

interface EndpointRow {
  id: number;
  url: string;
  kinds: string;
  description: string;
  enabled: number;
  secret: string;
  created_at: number;
}

interface KeyRow {
  id: number;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

interface DeliveryRow {
  id: number;
  target: string;
  event_id: string;
  kind: string;
  state: Delivery['state'];
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

function parseList<T extends string>(json: string, allowed: readonly T[]): T[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is T => allowed.includes(v as T)) : [];
  } catch {
    return [];
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The integrations' tables (migration 3): webhook endpoints, the outbox that doubles as the
 * delivery log, and the REST API keys (stored as sha256 hashes; the key is shown once).
 */
export class IntegrationStore {
  constructor(
    private readonly db: FaceGateDatabase,
    private readonly now: () => number,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  // --- Webhook endpoints ----------------------------------------------------------------------

  endpoints(): EndpointRecord[] {
    const rows = this.sql.prepare('SELECT * FROM webhook_endpoints ORDER BY id').all() as EndpointRow[];
    return rows.map((row) => this.endpointOf(row));
  }

  endpoint(id: number): EndpointRecord | undefined {
    const row = this.sql.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').get(id) as
      EndpointRow | undefined;
    return row ? this.endpointOf(row) : undefined;
  }

  createEndpoint(fields: {
    url: string;
    kinds: IntegrationEventKind[];
    description: string;
    enabled: boolean;
  }): EndpointRecord {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const info = this.sql
      .prepare(
        'INSERT INTO webhook_endpoints (url, kinds, description, enabled, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        fields.url,
        JSON.stringify([...new Set(fields.kinds)]),
        fields.description,
        fields.enabled ? 1 : 0,
        secret,
        this.now(),
      );
    return this.endpoint(Number(info.lastInsertRowid))!;
  }

  updateEndpoint(
    id: number,
    fields: { url?: string; kinds?: IntegrationEventKind[]; description?: string; enabled?: boolean },
  ): EndpointRecord | undefined {
    const current = this.endpoint(id);
    if (!current) return undefined;
    this.sql
      .prepare('UPDATE webhook_endpoints SET url = ?, kinds = ?, description = ?, enabled = ? WHERE id = ?')
      .run(
        fields.url ?? current.url,
        JSON.stringify([...new Set(fields.kinds ?? current.kinds)]),
        fields.description ?? current.description,
        (fields.enabled ?? current.enabled) ? 1 : 0,
        id,
      );
    return this.endpoint(id);
  }

  /** Removes the endpoint and its pending deliveries (the log of past ones stays until purged). */
  deleteEndpoint(id: number): boolean {
    return this.db.transaction(() => {
      this.sql.prepare("DELETE FROM outbox WHERE target = ? AND state = 'pending'").run(webhookTarget(id));
      return this.sql.prepare('DELETE FROM webhook_endpoints WHERE id = ?').run(id).changes > 0;
    });
  }

  private endpointOf(row: EndpointRow): EndpointRecord {
    return {
      id: row.id,
      url: row.url,
      kinds: parseList(row.kinds, integrationEventKinds),
      description: row.description,
      enabled: row.enabled === 1,
      createdAt: iso(row.created_at)!,
      secretHint: `${row.secret.slice(0, 10)}…`,
      secret: row.secret,
    };
  }

  // --- Outbox ---------------------------------------------------------------------------------

  /** Writes every (event, target) pair in one transaction. */
  enqueue(items: readonly { target: string; event: IntegrationEvent }[]): void {
    if (items.length === 0) return;
    const insert = this.sql.prepare(
      'INSERT INTO outbox (target, event_id, kind, created_at, next_attempt_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const at = this.now();
    this.db.transaction(() => {
      for (const { target, event } of items) {
        insert.run(target, event.id, event.kind, at, at, JSON.stringify(event));
      }
    });
  }

  /** Pending rows due now, oldest first, skipping the ones already being sent (no payloads: cheap). */
  due(limit: number, skip: ReadonlySet<number>): OutboxDue[] {
    const rows = this.sql
      .prepare(
        "SELECT id, target, attempts FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
      )
      .all(this.now(), limit + skip.size) as OutboxDue[];
    return rows.filter((row) => !skip.has(row.id)).slice(0, limit);
  }

  /** The event of one row, read when it is about to be sent. */
  load(row: OutboxDue): OutboxRow {
    const { payload } = this.sql.prepare('SELECT payload FROM outbox WHERE id = ?').get(row.id) as {
      payload: string;
    };
    return { ...row, event: JSON.parse(payload) as IntegrationEvent };
  }

  inTransaction(fn: () => void): void {
    this.db.transaction(fn);
  }

  /** When the next pending row falls due (epoch ms), or null when none is pending. */
  nextDue(): number | null {
    const row = this.sql
      .prepare("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = 'pending'")
      .get() as { at: number | null };
    return row.at;
  }

  delivered(id: number, status: number | null): void {
    this.sql
      .prepare(
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_status = ?, last_error = NULL, next_attempt_at = NULL WHERE id = ?",
      )
      .run(this.now(), status, id);
  }

  /** A failed attempt: retried at `retryAt`, or marked failed when that is null. */
  attemptFailed(id: number, status: number | null, error: string, retryAt: number | null): void {
    this.sql
      .prepare(
        'UPDATE outbox SET attempts = attempts + 1, last_status = ?, last_error = ?, state = ?, next_attempt_at = ? WHERE id = ?',
      )
      .run(status, error.slice(0, 500), retryAt === null ? 'failed' : 'pending', retryAt, id);
  }

  /** Gives up the pending rows of a target (MQTT switched off): they are marked failed with why. */
  abandon(target: string, why: string): number {
    return this.sql
      .prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = NULL WHERE target = ? AND state = 'pending'",
      )
      .run(why, target).changes;
  }

  pendingCount(targetPrefix: string): number {
    const row = this.sql
      .prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND target LIKE ?")
      .get(`${targetPrefix}%`) as { n: number };
    return row.n;
  }

  deliveries(filter: { target?: string; state?: Delivery['state']; limit: number }): Delivery[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.target) {
      where.push('target = ?');
      params.push(filter.target);
    }
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    const rows = this.sql
      .prepare(
        `SELECT id, target, event_id, kind, state, attempts, created_at, next_attempt_at, delivered_at, last_status, last_error
         FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(...params, filter.limit) as DeliveryRow[];
    return rows.map((row) => ({
      id: row.id,
      target: row.target,
      eventId: row.event_id,
      kind: row.kind,
      state: row.state,
      attempts: row.attempts,
      createdAt: iso(row.created_at)!,
      nextAttemptAt: iso(row.next_attempt_at),
      deliveredAt: iso(row.delivered_at),
      lastStatus: row.last_status,
      lastError: row.last_error,
    }));
  }

  /** Deletes delivered and failed rows older than the retention; pending rows are never purged. */
  purge(olderThanMs: number): number {
    return this.sql
      .prepare("DELETE FROM outbox WHERE state != 'pending' AND created_at < ?")
      .run(this.now() - olderThanMs).changes;
  }

  // --- API keys -------------------------------------------------------------------------------

  keys(): ApiKey[] {
    const rows = this.sql.prepare('SELECT * FROM api_keys ORDER BY id').all() as KeyRow[];
    return rows.map(keyOf);
  }

  /** A new key: `fgk_<8 hex prefix>_<secret>`. Only its sha256 is stored. */
  createKey(name: string, scopes: ApiScope[]): { key: ApiKey; secret: string } {
    const prefix = `fgk_${randomBytes(4).toString('hex')}`;
    const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
    const info = this.sql
      .prepare('INSERT INTO api_keys (name, prefix, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(name, prefix, sha256(secret), JSON.stringify([...new Set(scopes)]), this.now());
    const row = this.sql.prepare('SELECT * FROM api_keys WHERE id = ?').get(info.lastInsertRowid) as KeyRow;
    return { key: keyOf(row), secret };
  }

  revokeKey(id: number): boolean {
    return (
      this.sql
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(this.now(), id).changes > 0
    );
  }

  /** The live key a presented secret belongs to (compared in constant time), or undefined. */
  verifyKey(presented: string): ApiKey | undefined {
    const match = /^(fgk_[0-9a-f]{8})_[A-Za-z0-9_-]{20,100}$/.exec(presented);
    if (!match) return undefined;
    const row = this.sql.prepare('SELECT * FROM api_keys WHERE prefix = ?').get(match[1]) as
      KeyRow | undefined;
    if (!row || row.revoked_at !== null) return undefined;
    const expected = Buffer.from(row.hash, 'hex');
    const actual = Buffer.from(sha256(presented), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    const at = this.now();
    // Last use at a minute's resolution: a busy client does not write on every request.
    if (row.last_used_at === null || at - row.last_used_at > 60_000) {
      this.sql.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, row.id);
      row.last_used_at = at;
    }
    return keyOf(row);
  }
}

function keyOf(row: KeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseList(row.scopes, apiScopes),
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

export const webhookTarget = (id: number) => `webhook:${id}`;
export const mqttTarget = 'mqtt';
