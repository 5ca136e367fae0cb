import { describe, expect, it } from 'vitest';
import { ruleDetail } from '../../../src/renderer/src/lib/rule-words';
import { resultView } from '../../../src/renderer/src/lib/result-view';
import { en } from '../../../src/renderer/src/i18n/en';
import { interpolate } from '../../../src/renderer/src/i18n';
import type { RuleVerdict } from '../../../src/shared/access-rules';

const refused = (fields: Partial<RuleVerdict>): RuleVerdict => ({
  allowed: false,
  code: 'outside_schedule',
  group: 'Staff',
  schedule: 'Office hours',
  holiday: null,
  date: null,
  text: '',
  accepts: { face: false, pin: false, faceAndPin: false },
  ...fields,
});

describe('the kiosk names the access rule in plain words', () => {
  it('outside a schedule: "not allowed now" with the schedule', () => {
    const m = ruleDetail(refused({}))!;
    expect(interpolate(en[m.key], m.params)).toBe('Not allowed now: outside the Office hours schedule.');
  });

  it('an expired pass names its day', () => {
    const m = ruleDetail(refused({ code: 'expired', date: '3 May' }))!;
    expect(interpolate(en[m.key], m.params)).toBe('Your pass expired on 3 May. Please see the front desk.');
  });

  it('a denied decision shows the rule instead of the generic line', () => {
    const view = resultView(
      {
        kind: 'denied',
        person: { id: 1, name: 'Katy' },
        similarity: 0.8,
        liveness: null,
        reason: 'not_allowed',
        rule: refused({ code: 'holiday', holiday: 'Christmas' }),
        doorOpened: false,
        attendance: null,
        at: new Date().toISOString(),
      },
      { greetByName: true },
    );
    expect(view.detail).toEqual({ key: 'result.rule.holiday', params: { holiday: 'Christmas' } });
  });

  it('an allowed rule that wants more than a face asks for the PIN', () => {
    expect(
      ruleDetail(
        refused({ allowed: true, code: 'schedule', accepts: { face: false, pin: false, faceAndPin: true } }),
      ),
    ).toEqual({ key: 'result.rule.needs_pin' });
  });
});
