import { randomUUID } from 'node:crypto';
import { FaceGateError } from '../errors';
import type { PassbackStore } from '../service/passback';
import type { LocalReplica } from './local-replica';
import type { SiteStore } from './site-store';

/**
 * Anti-passback across the kiosks of a site (docs/site.md, "Anti-passback"). Every passage (a
 * person let in or out of an area, or a reset) is decided and recorded at one kiosk, goes up from
 * that kiosk's file (`site_passage_outbox`) to the site's `passages` table, and comes down to every
 * kiosk through its own feed (`passages.seq`, announced on `facegate_passages`). Each kiosk keeps
 * the resulting state in its file (`passback_state`, the same table a single desk uses), so a
 * decision reads only the kiosk's own copy, online or not.
 *
 * Passages are ordered by time (the site's clock: the kiosk's clock plus its measured skew), not
 * by arrival: for one person and area the latest passage wins (two at the same millisecond: inside
 * wins, the refusing side), and a reset at time t drops every passage of that person (or of
 * everyone) up to t. Applying is idempotent and order-independent, so every kiosk ends with the
 * same state whatever order the passages reached it in, offline kiosks included.
 */

/** The channel a new passage is announced on; the payload is its sequence number. */
export const passageChannel = 'facegate_passages';

export type PassageKind = 'in' | 'out' | 'reset';

/** One passage as the site stores it. `at` is the site's clock (ms). */
export interface SitePassage {
  /** The deciding kiosk's id for it: delivering it twice stores it once. */
  id: string;
  kioskId: string;
  /** Null only for a reset of everyone. */
  personId: number | null;
  /** Null for a reset (every area). */
  area: string | null;
  kind: PassageKind;
  at: number;
  /** The deciding kiosk's own clock when it happened. */
  kioskAt: number;
}

const num = (value: unknown): number => Number(value);

/** The site's side: storing passages (one transaction, announced) and reading the feed. */
export class SitePassages {
  constructor(private readonly store: SiteStore) {}

  /**
   * Stores passages sent up by a kiosk (one already stored is left as it is). A passage of a person
   * erased meanwhile is dropped. The transaction holds a lock until its COMMIT, so sequence numbers
   * become visible in order and a kiosk reading "after seq N" never skips a later-committing one.
   */
  async insert(passages: readonly SitePassage[]): Promise<number> {
    if (passages.length === 0) return 0;
    return this.store.transaction('store passages', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(4607165)');
      const result = await client.query(
        `INSERT INTO passages (id, kiosk_id, person_id, area, kind, at, kiosk_at, received_at)
         SELECT p.id, p.kiosk_id, p.person_id, p.area, p.kind, p.at, p.kiosk_at, $2
         FROM json_to_recordset($1::json) AS p(id text, kiosk_id text, person_id bigint, area text, kind text,
              at bigint, kiosk_at bigint)
         WHERE p.person_id IS NULL OR EXISTS (SELECT 1 FROM people WHERE id = p.person_id)
         ON CONFLICT (id) DO NOTHING
         RETURNING seq`,
        [
          JSON.stringify(
            passages.map((p) => ({
              id: p.id,
              kiosk_id: p.kioskId,
              person_id: p.personId,
              area: p.area,
              kind: p.kind,
              at: Math.round(p.at),
              kiosk_at: Math.round(p.kioskAt),
            })),
          ),
          Date.now(),
        ],
      );
      const seqs = result.rows.map((r: { seq: string }) => num(r.seq));
      if (seqs.length > 0) {
        await client.query('SELECT pg_notify($1, $2)', [passageChannel, String(Math.max(...seqs))]);
      }
      return seqs.length;
    });
  }

  /** The last passage's sequence number (0: none). */
  async latestSeq(): Promise<number> {
    const rows = await this.store.query<{ s: string | null }>(
      'latest passage',
      'SELECT max(seq) AS s FROM passages',
    );
    return num(rows[0].s ?? 0);
  }

  /** Passages after `seq` (and up to `upTo`), oldest first. */
  async since(
    seq: number,
    limit = 2000,
    upTo = Number.MAX_SAFE_INTEGER,
  ): Promise<(SitePassage & { seq: number })[]> {
    const rows = await this.store.query(
      'read passages',
      `SELECT seq, id, kiosk_id, person_id, area, kind, at, kiosk_at FROM passages
       WHERE seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2`,
      [seq, limit, upTo],
    );
    return rows.map((r) => ({
      seq: num(r.seq),
      id: r.id as string,
      kioskId: r.kiosk_id as string,
      personId: r.person_id === null ? null : num(r.person_id),
      area: (r.area as string | null) ?? null,
      kind: r.kind as PassageKind,
      at: num(r.at),
      kioskAt: num(r.kiosk_at),
    }));
  }
}

interface OutboxRow {
  id: string;
  person_id: number | null;
  area: string | null;
  kind: PassageKind;
  at: number;
  kiosk_at: number;
}

/**
 * The kiosk's side, in its own file: the passback state it decides from, the passages it still
 * has to send up, and how far it has read the site's passages.
 */
export class LocalPassages {
  constructor(private readonly replica: LocalReplica) {}

  private get sqlite() {
    return this.replica.gallery.db.sqlite;
  }

  /** The last site passage applied here. */
  get appliedSeq(): number {
    return Number(this.replica.state('passage_seq') ?? 0);
  }

  /** True: inside; false: went out; null: no passage since the last reset (counts as outside). */
  inside(personId: number, area: string): boolean | null {
    const row = this.sqlite
      .prepare('SELECT inside FROM passback_state WHERE person_id = ? AND area = ?')
      .get(personId, area) as { inside: number } | undefined;
    return row ? row.inside === 1 : null;
  }

  /**
   * A passage decided at this kiosk (kioskAt: this kiosk's clock): applied to the local state and
   * queued to go up, in one transaction. Returns how many local states a reset dropped.
   */
  record(passage: {
    personId: number | null;
    area: string | null;
    kind: PassageKind;
    kioskAt: number;
  }): number {
    const identity = this.replica.identity();
    if (!identity) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'This database has not joined a site: it keeps no site passages.',
      );
    }
    const skew = Number(this.replica.state('clock_skew_ms') ?? 0);
    const at = Math.round(passage.kioskAt + (Number.isFinite(skew) ? skew : 0));
    let changed = 0;
    this.replica.gallery.db.transaction(() => {
      changed = this.apply({ ...passage, at });
      this.sqlite
        .prepare(
          `INSERT INTO site_passage_outbox (id, person_id, area, kind, at, kiosk_at) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          `${identity.kioskId}:p:${randomUUID()}`,
          passage.personId,
          passage.area,
          passage.kind,
          at,
          passage.kioskAt,
        );
    });
    return changed;
  }

  /** Passages from the site's feed, applied in one transaction with how far the feed was read. */
  applyFeed(passages: readonly (SitePassage & { seq: number })[]): void {
    if (passages.length === 0) return;
    this.replica.gallery.db.transaction(() => {
      for (const p of passages) this.apply(p);
      this.sqlite
        .prepare(
          `INSERT INTO site_state (key, value) VALUES ('passage_seq', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        )
        .run(String(passages[passages.length - 1].seq));
    });
  }

  /**
   * One passage into the local state, by time whatever the order of arrival (see the file's
   * comment). Returns how many states a reset dropped (0 for a passage).
   */
  private apply(p: { personId: number | null; area: string | null; kind: PassageKind; at: number }): number {
    const sql = this.sqlite;
    if (p.kind === 'reset') {
      const key = p.personId ?? 0;
      sql
        .prepare(
          `INSERT INTO site_passback_resets (person_id, at) VALUES (?, ?)
           ON CONFLICT (person_id) DO UPDATE SET at = max(at, excluded.at)`,
        )
        .run(key, p.at);
      return p.personId === null
        ? sql.prepare('DELETE FROM passback_state WHERE at <= ?').run(p.at).changes
        : sql.prepare('DELETE FROM passback_state WHERE person_id = ? AND at <= ?').run(p.personId, p.at)
            .changes;
    }
    if (p.personId === null || p.area === null) return 0;
    const reset = sql
      .prepare('SELECT max(at) AS at FROM site_passback_resets WHERE person_id IN (?, 0)')
      .get(p.personId) as { at: number | null };
    if (reset.at !== null && p.at <= reset.at) return 0;
    // A person this copy does not hold (erased meanwhile) has no state to keep.
    sql
      .prepare(
        `INSERT INTO passback_state (person_id, area, inside, at)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?)
         ON CONFLICT (person_id, area) DO UPDATE SET
           inside = CASE WHEN excluded.at > passback_state.at THEN excluded.inside
                         ELSE max(passback_state.inside, excluded.inside) END,
           at = excluded.at
         WHERE excluded.at >= passback_state.at`,
      )
      .run(p.personId, p.area, p.kind === 'in' ? 1 : 0, p.at, p.personId);
    return 0;
  }

  /** How many passages wait to go up. */
  depth(): number {
    return (this.sqlite.prepare('SELECT count(*) AS n FROM site_passage_outbox').get() as { n: number }).n;
  }

  /** The oldest queued passages. */
  outboxBatch(limit = 500): SitePassage[] {
    const identity = this.replica.identity();
    if (!identity) return [];
    const rows = this.sqlite
      .prepare(
        'SELECT id, person_id, area, kind, at, kiosk_at FROM site_passage_outbox ORDER BY rowid LIMIT ?',
      )
      .all(limit) as OutboxRow[];
    return rows.map((r) => ({
      id: r.id,
      kioskId: identity.kioskId,
      personId: r.person_id,
      area: r.area,
      kind: r.kind,
      at: r.at,
      kioskAt: r.kiosk_at,
    }));
  }

  /** Forgets passages the site has stored (after its COMMIT: a crash before re-sends them, harmlessly). */
  delivered(ids: readonly string[]): void {
    const remove = this.sqlite.prepare('DELETE FROM site_passage_outbox WHERE id = ?');
    this.replica.gallery.db.transaction(() => {
      for (const id of ids) remove.run(id);
    });
  }
}

/**
 * PassbackStore at a site kiosk: decisions read the kiosk's copy only; every passage and reset is
 * recorded here and travels to every kiosk of the site (`queued` asks the sync to send it now).
 */
export class SitePassbackStore implements PassbackStore {
  constructor(
    private readonly passages: LocalPassages,
    private readonly queued: () => void = () => {},
  ) {}

  inside(personId: number, area: string): boolean | null {
    return this.passages.inside(personId, area);
  }

  set(personId: number, area: string, inside: boolean, at: number): void {
    this.passages.record({ personId, area, kind: inside ? 'in' : 'out', kioskAt: at });
    this.queued();
  }

  reset(personId?: number, at = Date.now()): number {
    const changed = this.passages.record({
      personId: personId ?? null,
      area: null,
      kind: 'reset',
      kioskAt: at,
    });
    this.queued();
    return changed;
  }
}
