import { describe, expect, it } from 'vitest';
import type { AccessDecision } from '../../../src/shared/contract';
import { resultView } from '../../../src/renderer/src/lib/result-view';

const base: AccessDecision = {
  kind: 'granted',
  person: { id: 3, name: 'Ada' },
  similarity: 0.7,
  liveness: 0.9,
  reason: 'live_known_allowed',
  doorOpened: true,
  door: 'open',
  attendance: { kind: 'check_in', eventId: 9 },
  at: '2025-01-01T08:00:00.000Z',
};

describe('resultView', () => {
  it('greets a granted person by name and shows the check-in', () => {
    const view = resultView(base, { greetByName: true });
    expect(view.tone).toBe('granted');
    expect(view.title).toEqual({ key: 'result.granted.welcome', params: { name: 'Ada' } });
    expect(view.attendance?.key).toBe('result.attendance.checkIn');
    expect(view.greetName).toBe('Ada');
    expect(view.sound).toBe('granted');
  });

  it('does not name the person when greeting by name is off', () => {
    const view = resultView(base, { greetByName: false });
    expect(view.title.key).toBe('result.granted.title');
    expect(view.greetName).toBeNull();
  });

  it('gives every outcome its own icon, words and sound (never colour alone)', () => {
    const kinds = ['granted', 'denied', 'unknown', 'not_live', 'cannot_judge'] as const;
    const views = kinds.map((kind) => resultView({ ...base, kind, reason: null }, { greetByName: true }));
    expect(new Set(views.map((v) => v.icon)).size).toBe(kinds.length);
    expect(new Set(views.map((v) => v.title.key)).size).toBe(kinds.length);
    expect(new Set(views.map((v) => v.sound)).size).toBe(kinds.length);
  });

  it('says when a step-up head turn was not seen, and the usual words for a spoof', () => {
    expect(
      resultView({ ...base, kind: 'not_live', reason: 'challenge_failed' }, { greetByName: true }).detail
        ?.key,
    ).toBe('result.notLive.challengeFailed');
    expect(
      resultView({ ...base, kind: 'not_live', reason: 'spoof' }, { greetByName: true }).detail?.key,
    ).toBe('result.notLive.detail');
  });

  it('explains a denial and a liveness problem from the reason code', () => {
    expect(
      resultView({ ...base, kind: 'denied', reason: 'inactive' }, { greetByName: true }).detail?.key,
    ).toBe('result.denied.inactive');
    expect(
      resultView({ ...base, kind: 'cannot_judge', reason: 'face_too_small' }, { greetByName: true }).detail
        ?.key,
    ).toBe('result.cannotJudge.tooSmall');
    expect(resultView({ ...base, kind: 'denied', reason: null }, { greetByName: true }).detail?.key).toBe(
      'result.denied.seeDesk',
    );
  });

  it('shows a check-out and no attendance line when none was written', () => {
    expect(
      resultView({ ...base, attendance: { kind: 'check_out', eventId: 2 } }, { greetByName: true }).attendance
        ?.key,
    ).toBe('result.attendance.checkOut');
    expect(resultView({ ...base, attendance: null }, { greetByName: true }).attendance).toBeNull();
  });

  it('says "The door is open" only when the door controller confirmed it', () => {
    const detail = (door: AccessDecision['door'], doorOpened: boolean) =>
      resultView({ ...base, door, doorOpened }, { greetByName: true });
    expect(detail('open', true).detail?.key).toBe('result.granted.doorOpen');
    // A write-only board took the bytes: nobody knows whether the door opened.
    expect(detail('sent', true).detail?.key).toBe('result.granted.doorSent');
    expect(detail('none', false).detail?.key).toBe('result.granted.noDoor');
    // The frame's result does not wait for the pulse: "opening" until the decision's event says more.
    expect(detail('opening', false).detail?.key).toBe('result.granted.doorOpening');
    // Let in, but the door could not be opened: not the green welcome, and words saying what to do.
    const fault = detail('fault', false);
    expect(fault.detail?.key).toBe('result.granted.doorFault');
    expect(fault.tone).not.toBe('granted');
    expect(fault.icon).not.toBe('check');
    // An older host without the field: "opened" is never taken as confirmed.
    expect(detail(undefined, true).detail?.key).toBe('result.granted.doorSent');
  });
});
