import type { AccessDecision, DecisionKind } from '../../../shared/contract';
import type { MessageKey, Params } from '../i18n';
import { ruleDetail } from './rule-words';

/**
 * What the kiosk's result panel shows for an access decision: a tone (colour), an icon, a title,
 * a line of detail, the attendance kind and a sound. Colour never carries meaning alone: every
 * tone has its own icon and words. Pure, so it is unit-tested under Node.
 */

export type Tone = 'idle' | 'granted' | 'denied' | 'unknown' | 'not_live' | 'notice';
export type Icon = 'camera' | 'check' | 'cross' | 'question' | 'warning' | 'face';
export type Sound = 'granted' | 'denied' | 'unknown' | 'not_live' | 'notice' | null;

export interface Message {
  key: MessageKey;
  params?: Params;
}

export interface ResultView {
  kind: DecisionKind | 'idle';
  tone: Tone;
  icon: Icon;
  title: Message;
  detail: Message | null;
  /** "Checked in" / "Checked out" when the decision wrote such an event. */
  attendance: Message | null;
  sound: Sound;
  /** The person's name, to greet aloud when speech is on. */
  greetName: string | null;
}

export const idleView: ResultView = {
  kind: 'idle',
  tone: 'idle',
  icon: 'face',
  title: { key: 'result.idle.title' },
  detail: { key: 'result.idle.detail' },
  attendance: null,
  sound: null,
  greetName: null,
};

const deniedDetail: Record<string, MessageKey> = {
  inactive: 'result.denied.inactive',
  not_allowed: 'result.denied.notAllowed',
  person_missing: 'result.denied.personMissing',
  pin_required: 'result.denied.pinRequired',
  wrong_pin: 'result.denied.wrongPin',
  unknown_credential: 'result.denied.unknownCredential',
  locked_out: 'result.denied.lockedOut',
};

const cannotJudgeDetail: Record<string, MessageKey> = {
  face_too_small: 'result.cannotJudge.tooSmall',
  face_too_close: 'result.cannotJudge.tooClose',
  face_at_edge: 'result.cannotJudge.atEdge',
  liveness_unavailable: 'result.cannotJudge.unavailable',
  liveness_missing: 'result.cannotJudge.missing',
};

/** What the door did; hosts from before `door` existed only say doorOpened. */
export function doorOutcome(decision: AccessDecision): NonNullable<AccessDecision['door']> {
  return decision.door ?? (decision.doorOpened ? 'sent' : 'none');
}

/**
 * "The door is open" only when the door controller confirmed it; a command to a board that cannot
 * answer is not a confirmation; a door that failed asks the person to call reception.
 */
function grantedDetail(decision: AccessDecision): MessageKey {
  switch (doorOutcome(decision)) {
    case 'open':
      return 'result.granted.doorOpen';
    case 'sent':
      return 'result.granted.doorSent';
    case 'opening':
      return 'result.granted.doorOpening';
    case 'fault':
      return 'result.granted.doorFault';
    case 'none':
      return 'result.granted.noDoor';
  }
}

export function resultView(decision: AccessDecision, options: { greetByName: boolean }): ResultView {
  const name = decision.person?.name ?? null;
  const attendance: Message | null =
    decision.attendance?.kind === 'check_in'
      ? { key: 'result.attendance.checkIn' }
      : decision.attendance?.kind === 'check_out'
        ? { key: 'result.attendance.checkOut' }
        : null;
  const base = { kind: decision.kind, attendance, greetName: null as string | null };
  switch (decision.kind) {
    case 'granted': {
      const greet = options.greetByName && name !== null;
      const door = doorOutcome(decision);
      return {
        ...base,
        // Let in but the door stayed shut: not the green "go ahead", and words that say what to do.
        tone: door === 'fault' ? 'notice' : 'granted',
        icon: door === 'fault' ? 'warning' : 'check',
        title: greet ? { key: 'result.granted.welcome', params: { name } } : { key: 'result.granted.title' },
        detail: { key: grantedDetail(decision) },
        sound: door === 'fault' ? 'notice' : 'granted',
        greetName: greet ? name : null,
      };
    }
    case 'denied':
      return {
        ...base,
        tone: 'denied',
        icon: 'cross',
        title: { key: 'result.denied.title' },
        detail: ruleDetail(decision.rule) ?? {
          key: (decision.reason && deniedDetail[decision.reason]) || 'result.denied.seeDesk',
        },
        sound: 'denied',
      };
    case 'unknown':
      return {
        ...base,
        tone: 'unknown',
        icon: 'question',
        title: { key: 'result.unknown.title' },
        detail: { key: 'result.unknown.detail' },
        sound: 'unknown',
      };
    case 'not_live':
      return {
        ...base,
        tone: 'not_live',
        icon: 'warning',
        title: { key: 'result.notLive.title' },
        detail: {
          key:
            decision.reason === 'challenge_failed'
              ? 'result.notLive.challengeFailed'
              : 'result.notLive.detail',
        },
        sound: 'not_live',
      };
    case 'cannot_judge':
      return {
        ...base,
        tone: 'notice',
        icon: 'face',
        title: { key: 'result.cannotJudge.title' },
        detail: {
          key: (decision.reason && cannotJudgeDetail[decision.reason]) || 'result.cannotJudge.missing',
        },
        sound: 'notice',
      };
    case 'no_face':
      return {
        ...base,
        tone: 'idle',
        icon: 'face',
        title: { key: 'result.noFace.title' },
        detail: { key: 'result.idle.detail' },
        sound: null,
      };
  }
}
