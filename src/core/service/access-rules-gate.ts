import { mainDoor, type RuleVerdict } from '../../shared/access-rules';
import type { Settings } from '../../shared/settings';
import { evaluateRules, type Presented } from '../access/rules';
import { resolveTimeZone } from '../attendance/time-zone';
import type { AccessRulesStore } from '../gallery/access-rules-store';
import type { PassbackGate } from './passback';
import type { CallerSession } from './session';

/**
 * The access rules for the frame path: the stored groups, schedules, holidays and validity read
 * through the pure rules (src/core/access/rules.ts) in the site's time zone (the attendance
 * setting, or the system's). Undefined for a person who no longer exists.
 */
export class AccessRulesGate {
  constructor(
    readonly store: AccessRulesStore,
    private readonly settings: () => Settings,
    /** Anti-passback, asked when the question comes from a kiosk (a session). */
    readonly passback?: PassbackGate,
  ) {}

  timeZone(): string {
    return resolveTimeZone(this.settings().attendance.timeZone);
  }

  /**
   * The verdict for a person now; with `presented`, for that credential (face, PIN/badge, both);
   * with the kiosk's session, anti-passback too (an entry kiosk refuses someone already inside).
   */
  verdict(
    personId: number,
    at: number,
    door: string = mainDoor,
    presented?: Presented,
    session?: CallerSession,
  ): RuleVerdict | undefined {
    const facts = this.store.factsFor(personId);
    if (!facts) return undefined;
    const verdict = evaluateRules(facts, this.store.context(this.timeZone(), door), at, presented);
    if (!verdict.allowed || !session || !this.passback) return verdict;
    return this.passback.check(personId, session, verdict) ?? verdict;
  }
}
