import type { RuleVerdict } from '../../../shared/access-rules';
import type { Message } from './result-view';

/**
 * The kiosk's words for the access rule that refused someone (docs/access.md): "Not allowed now:
 * outside the Office hours schedule", "Your pass expired on 3 May". Null when the rule allowed
 * (or there is none) and the decision's own reason speaks.
 */
export function ruleDetail(rule: RuleVerdict | null | undefined): Message | null {
  if (!rule) return null;
  if (rule.allowed) return rule.accepts.face ? null : { key: 'result.rule.needs_pin' };
  switch (rule.code) {
    case 'outside_schedule':
      return { key: 'result.rule.outside_schedule', params: { schedule: rule.schedule ?? '' } };
    case 'holiday':
      return { key: 'result.rule.holiday', params: { holiday: rule.holiday ?? '' } };
    case 'expired':
      return { key: 'result.rule.expired', params: { date: rule.date ?? '' } };
    case 'not_yet_valid':
      return { key: 'result.rule.not_yet_valid', params: { date: rule.date ?? '' } };
    case 'no_door':
      return { key: 'result.rule.no_door' };
    case 'pin_required':
      return { key: 'result.rule.needs_pin' };
    case 'face_required':
      return { key: 'result.rule.face_required' };
    case 'passback':
      return { key: 'result.rule.passback' };
    default:
      return null;
  }
}
