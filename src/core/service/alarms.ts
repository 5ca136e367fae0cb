import type { Alarm, AlarmKind } from '../../shared/alarms';
import type { AccessDecision } from '../../shared/contract';
import type { DoorStateChange } from '../../shared/door';
import { relayFailureReasons } from '../door/relay-error';
import type { EventBus } from './event-bus';

/** Repeats of the same alarm (kind and person) within this long update it instead of adding one. */
const mergeWithinMs = 10 * 60_000;
/** Never more than this many open alarms: the oldest go first. */
const maxOpen = 100;

/**
 * The open alarms, raised from what the service already announces: a granted decision whose door
 * could not be opened, the relay board going from working to disconnected or fault, a decision
 * that someone held a photo or screen up. Admin sees them in a banner and on the start page and
 * dismisses them. In memory by design (docs/ui.md): the event log is the lasting record.
 */
export class AlarmBoard {
  private alarms: Alarm[] = [];
  private nextId = 1;
  private readonly stop: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly now: () => number,
  ) {
    this.stop = bus.on((name, payload) => {
      if (name === 'access.decision') this.fromDecision(payload as AccessDecision);
      else if (name === 'door.state') this.fromDoor(payload as DoorStateChange);
    });
  }

  list(): Alarm[] {
    return [...this.alarms];
  }

  dismiss(id?: number): Alarm[] {
    const before = this.alarms.length;
    this.alarms = id === undefined ? [] : this.alarms.filter((a) => a.id !== id);
    if (this.alarms.length !== before) this.changed();
    return this.list();
  }

  close(): void {
    this.stop();
  }

  raise(kind: AlarmKind, person: Alarm['person'], detail: string | null): void {
    const at = this.now();
    const same = this.alarms.find(
      (a) =>
        a.kind === kind &&
        (a.person?.id ?? null) === (person?.id ?? null) &&
        at - Date.parse(a.at) < mergeWithinMs,
    );
    if (same) {
      Object.assign(same, {
        at: new Date(at).toISOString(),
        count: same.count + 1,
        detail: detail ?? same.detail,
      });
    } else {
      this.alarms.unshift({
        id: this.nextId++,
        kind,
        at: new Date(at).toISOString(),
        person,
        detail,
        count: 1,
      });
      this.alarms = this.alarms.slice(0, maxOpen);
    }
    const raised = same ?? this.alarms[0];
    this.bus.emit('alarm.raised', { ...raised, person: raised.person ? { ...raised.person } : null });
    this.changed();
  }

  private fromDecision(decision: AccessDecision): void {
    if (decision.kind === 'granted' && decision.door === 'fault') {
      this.raise('door_fault', decision.person, decision.reason);
    } else if (decision.kind === 'not_live') {
      this.raise('spoof', decision.person, decision.reason);
    }
  }

  private fromDoor(change: DoorStateChange): void {
    const working = change.previous === 'locked' || change.previous === 'unlocked';
    const failure = (relayFailureReasons as readonly string[]).includes(change.reason);
    if (working && failure && (change.state === 'disconnected' || change.state === 'fault')) {
      this.raise('door_down', null, change.detail ?? change.reason);
    }
  }

  private changed(): void {
    this.bus.emit('alarms.changed', { alarms: this.list() });
  }
}
