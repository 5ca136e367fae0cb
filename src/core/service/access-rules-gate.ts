import { mainDoor, type RuleVerdict } from '../../shared/access-rules';
import type { Settings } from '../../shared/settings';
import { evaluateRules } from '../access/rules';
import { resolveTimeZone } from '../attendance/time-zone';
import type { AccessRulesStore } from '../gallery/access-rules-store';

/**
 * The access rules for the frame path: the stored groups, schedules, holidays and validity read
 * through the pure rules (src/core/access/rules.ts) in the site's time zone (the attendance
 * setting, or the system's). Undefined for a person who no longer exists.
 */
export class AccessRulesGate {
  constructor(
    readonly store: AccessRulesStore,
    private readonly settings: () => Settings,
  ) {}

  timeZone(): string {
    return resolveTimeZone(this.settings().attendance.timeZone);
  }

  verdict(personId: number, at: number, door: string = mainDoor): RuleVerdict | undefined {
    const facts = this.store.factsFor(personId);
    if (!facts) return undefined;
    return evaluateRules(facts, this.store.context(this.timeZone(), door), at);
  }
}
