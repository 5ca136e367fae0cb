import type { RuleVerdict } from '../../shared/access-rules';
import type { FaceGateDatabase } from '../gallery/database';
import type { CallerSession } from './session';

/**
 * Where anti-passback keeps who is inside which area. Small on purpose: the SQLite table here for
 * one process (an entry and an exit kiosk on one host); at a site of several hosts,
 * SitePassbackStore (src/core/site/passages.ts) behind the same three calls: it reads the kiosk's
 * copy and sends every passage and reset to every kiosk of the site.
 */
export interface PassbackStore {
  /** True: inside; false: went out; null: never seen (counts as outside). */
  inside(personId: number, area: string): boolean | null;
  set(personId: number, area: string, inside: boolean, at: number): void;
  /** Forget the state of one person (or everyone); returns how many were reset. */
  reset(personId?: number): number;
}

export class SqlitePassbackStore implements PassbackStore {
  constructor(private readonly db: FaceGateDatabase) {}

  inside(personId: number, area: string): boolean | null {
    const row = this.db.sqlite
      .prepare('SELECT inside FROM passback_state WHERE person_id = ? AND area = ?')
      .get(personId, area) as { inside: number } | undefined;
    return row ? row.inside === 1 : null;
  }

  set(personId: number, area: string, inside: boolean, at: number): void {
    this.db.sqlite
      .prepare(
        `INSERT INTO passback_state (person_id, area, inside, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (person_id, area) DO UPDATE SET inside = excluded.inside, at = excluded.at`,
      )
      .run(personId, area, inside ? 1 : 0, at);
  }

  reset(personId?: number): number {
    const run =
      personId === undefined
        ? this.db.sqlite.prepare('DELETE FROM passback_state').run()
        : this.db.sqlite.prepare('DELETE FROM passback_state WHERE person_id = ?').run(personId);
    return run.changes;
  }
}

export type KioskDirection = 'entry' | 'exit';

/**
 * Anti-passback for one door (docs/access.md): when on, a person let in at an entry kiosk is
 * inside until an exit kiosk lets them out, and an entry kiosk refuses them meanwhile (a card or
 * face passed back to someone outside does not let a second person in). Exit kiosks never refuse
 * for passback. Which kiosk is which comes from the door settings (exitKiosks by name).
 */
export class PassbackGate {
  constructor(
    private readonly store: PassbackStore,
    private readonly options: () => { enabled: boolean; exitKiosks: readonly string[] },
    private readonly kioskName: (session: CallerSession) => string | null,
    private readonly area = 'main',
  ) {}

  direction(session: CallerSession): KioskDirection {
    const name = this.kioskName(session);
    return name !== null && this.options().exitKiosks.includes(name) ? 'exit' : 'entry';
  }

  /** A refusal when this entry would be a passback; null when the person may pass. */
  check(personId: number, session: CallerSession, base: RuleVerdict): RuleVerdict | null {
    if (!this.options().enabled || this.direction(session) === 'exit') return null;
    if (this.store.inside(personId, this.area) !== true) return null;
    return {
      ...base,
      allowed: false,
      code: 'passback',
      text: 'already inside (anti-passback): leave through an exit first',
      accepts: { face: false, pin: false, faceAndPin: false },
    };
  }

  /** A grant at this kiosk: the person is now inside (entry) or outside (exit). */
  passed(personId: number, session: CallerSession, at: number): void {
    if (!this.options().enabled) return;
    this.store.set(personId, this.area, this.direction(session) === 'entry', at);
  }

  reset(personId?: number): number {
    return this.store.reset(personId);
  }
}
