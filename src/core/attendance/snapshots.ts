import sharp from 'sharp';
import type { FaceGateDatabase } from '../gallery/database';
import type { RgbImage } from '../image/types';

/**
 * Event snapshots (docs/ui.md, "Event snapshots"): a small JPEG of the face at each kiosk
 * decision that wrote an event, for the admin's log. The face is the aligned crop the recogniser
 * saw (the inference host hands it back with the frame's analysis), encoded and stored off the
 * frame request, so a kiosk's answer never waits for sharp or the database. Kept `keepDays` days (0: none at all), strangers only when the
 * setting says so; a snapshot goes with its event (retention purge, erasure) and with its person
 * (erasure keeps their events without a name, never their face). Viewers cannot read them
 * (src/shared/roles.ts): only administrators can.
 */

export interface SnapshotSettings {
  keepDays: number;
  strangers: boolean;
}

export interface SnapshotEvent {
  id: number;
  /** Null for a stranger. */
  personId: number | null;
  at: number;
}

/** The stored crop's longer side at most, in pixels: enough to tell who it is, small enough to keep many. */
export const snapshotSide = 160;
const jpegQuality = 80;
const dayMs = 86_400_000;
/** Expired snapshots are looked for at most this often (while writing new ones). */
const purgeEveryMs = 3_600_000;

export class EventSnapshots {
  private readonly pending = new Set<Promise<void>>();
  private lastPurge = 0;

  constructor(
    private readonly db: FaceGateDatabase,
    private readonly log: (line: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the settings keep a snapshot of this event. */
  static wanted(event: SnapshotEvent, settings: SnapshotSettings): boolean {
    if (settings.keepDays <= 0) return false;
    return event.personId !== null || settings.strangers;
  }

  /**
   * Keep `face` (an RGB crop) as the event's snapshot, if the settings want it. Returns at once;
   * the JPEG is encoded and written later (await `settled()` to wait). A failure is logged, never
   * thrown: a snapshot is never worth a failed decision.
   */
  capture(face: RgbImage, event: SnapshotEvent, settings: SnapshotSettings): void {
    if (!EventSnapshots.wanted(event, settings)) return;
    const job = (async () => {
      const jpeg = await sharp(face.data, { raw: { width: face.width, height: face.height, channels: 3 } })
        .resize(snapshotSide, snapshotSide, { fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: jpegQuality })
        .toBuffer();
      this.store(event, jpeg, settings.keepDays);
    })()
      .catch((error: unknown) =>
        this.log(`snapshots: event ${event.id} not kept: ${(error as Error).message}`),
      )
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Store an encoded snapshot (its event and person must still exist, else nothing is kept). */
  store(event: SnapshotEvent, jpeg: Uint8Array, keepDays?: number): void {
    this.db.sqlite
      .prepare('INSERT OR REPLACE INTO event_snapshots (event_id, person_id, at, jpeg) VALUES (?, ?, ?, ?)')
      .run(event.id, event.personId, event.at, Buffer.from(jpeg));
    const now = this.now();
    if (keepDays !== undefined && now - this.lastPurge >= purgeEveryMs) this.purgeExpired(keepDays, now);
  }

  /** Resolves when every snapshot captured so far is stored (or failed). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  get(eventId: number): Buffer | null {
    const row = this.db.sqlite.prepare('SELECT jpeg FROM event_snapshots WHERE event_id = ?').get(eventId) as
      { jpeg: Buffer } | undefined;
    return row?.jpeg ?? null;
  }

  /** Which of these events have a snapshot. */
  having(eventIds: readonly number[]): number[] {
    if (!eventIds.length) return [];
    const found: number[] = [];
    // SQLite's default limit on bound variables is far above this.
    for (let i = 0; i < eventIds.length; i += 500) {
      const chunk = eventIds.slice(i, i + 500);
      const rows = this.db.sqlite
        .prepare(`SELECT event_id FROM event_snapshots WHERE event_id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as { event_id: number }[];
      found.push(...rows.map((r) => r.event_id));
    }
    return found;
  }

  /** How many snapshots are kept of this person (the erase dialog says so). */
  countForPerson(personId: number): number {
    return (
      this.db.sqlite
        .prepare('SELECT count(*) AS n FROM event_snapshots WHERE person_id = ?')
        .get(personId) as { n: number }
    ).n;
  }

  /** Erase snapshots older than `keepDays` (all of them when it is 0). Returns how many went. */
  purgeExpired(keepDays: number, now = this.now()): number {
    this.lastPurge = now;
    const cutoff = keepDays <= 0 ? Number.POSITIVE_INFINITY : now - keepDays * dayMs;
    const sql =
      cutoff === Number.POSITIVE_INFINITY
        ? this.db.sqlite.prepare('DELETE FROM event_snapshots')
        : this.db.sqlite.prepare('DELETE FROM event_snapshots WHERE at < ?');
    const purged = (cutoff === Number.POSITIVE_INFINITY ? sql.run() : sql.run(cutoff)).changes;
    if (purged > 0) this.log(`snapshots: erased ${purged} past the ${keepDays}-day retention`);
    return purged;
  }
}
