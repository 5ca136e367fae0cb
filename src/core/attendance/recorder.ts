import type { AttendanceEvent, AttendanceMode, EventKind, NoChoiceKind } from '../../shared/attendance';
import type { EventLog, TimedEvent } from './event-log';
import type { WorkdayCalendar } from './workday';

/** What the access policy concluded about someone at the desk. */
export interface Sighting {
  /**
   * recognised: a known person who may come in (becomes check_in / check_out per the mode);
   * denied: a known person who may not (inactive, outside hours); unknown: nobody in the gallery;
   * spoof: a presentation attack (with the person it looked like, if any).
   */
  outcome: 'recognised' | 'denied' | 'unknown' | 'spoof';
  personId?: number | null;
  /** The person's group (shift and working day); looked up by the caller. */
  group?: string | null;
  /** Explicit mode: what the person chose at the kiosk. */
  direction?: 'check_in' | 'check_out';
  at?: number;
  similarity?: number | null;
  liveness?: number | null;
  doorOpened?: boolean;
  device?: string;
  /** Why, in words (the access rule that granted or refused). */
  note?: string | null;
}

export type RecordOutcome =
  | { recorded: true; event: AttendanceEvent }
  | { recorded: false; reason: 'debounced'; previous: AttendanceEvent }
  /** The database could not take it now; it is kept and written later (pending-writes.ts). */
  | { recorded: false; reason: 'pending' }
  /** Explicit mode, nobody pressed In or Out, and the setting says to log nothing then. */
  | { recorded: false; reason: 'no_choice' };

export interface RecorderOptions {
  mode: AttendanceMode;
  noChoice: NoChoiceKind;
  debounceMinutes: number;
  anonymousDebounceSeconds: number;
  deviceName: string;
}

const attendanceKinds: readonly EventKind[] = ['check_in', 'check_out'];

/**
 * Turns sightings into attendance events: the mode decides check-in or check-out, the debounce
 * window keeps one person standing at the desk from writing an event per frame.
 */
export class AttendanceRecorder {
  constructor(
    private readonly log: EventLog,
    private readonly calendar: WorkdayCalendar,
    private readonly options: RecorderOptions,
  ) {}

  record(sighting: Sighting): RecordOutcome {
    const at = sighting.at ?? Date.now();
    const device = sighting.device ?? this.options.deviceName;
    const personId = sighting.personId ?? null;
    const base = {
      at,
      personId,
      similarity: sighting.similarity ?? null,
      liveness: sighting.liveness ?? null,
      doorOpened: sighting.doorOpened ?? false,
      device,
      ...(sighting.note ? { note: sighting.note } : {}),
    };

    if (sighting.outcome === 'recognised' && personId !== null) {
      if (this.options.mode === 'explicit') return this.recordExplicit(sighting, personId, base);
      const previous = this.log.latestFor(personId, attendanceKinds);
      const kind = this.kindFor(sighting, previous, at);
      if (previous && this.withinDebounce(previous, at)) {
        return { recorded: false, reason: 'debounced', previous };
      }
      return { recorded: true, event: this.log.append({ ...base, kind }) };
    }

    const kind: EventKind = sighting.outcome === 'recognised' ? 'unknown' : sighting.outcome;
    if (kind === 'denied' && personId !== null) {
      const previous = this.log.latestFor(personId, ['denied']);
      if (previous && this.withinDebounce(previous, at))
        return { recorded: false, reason: 'debounced', previous };
    } else {
      const previous = this.log.latestAt(device, kind, personId);
      if (
        previous &&
        at - previous.atMs >= 0 &&
        at - previous.atMs < this.options.anonymousDebounceSeconds * 1000
      ) {
        return { recorded: false, reason: 'debounced', previous };
      }
    }
    return { recorded: true, event: this.log.append({ ...base, kind }) };
  }

  /**
   * Explicit mode. A pressed In or Out is debounced per person and direction: the same choice again
   * within the window writes nothing, the other one does (out for lunch right after coming in). No
   * press means the `noChoice` setting: nothing, or a default kind that never overrides what the
   * person did lately, so it is debounced by their latest event of either kind.
   */
  private recordExplicit(
    sighting: Sighting,
    personId: number,
    base: Omit<Parameters<EventLog['append']>[0], 'kind'> & { at: number },
  ): RecordOutcome {
    const at = base.at;
    const kind = sighting.direction ?? this.options.noChoice;
    if (kind === 'none') return { recorded: false, reason: 'no_choice' };
    const previous = sighting.direction
      ? this.log.latestFor(personId, [kind])
      : this.log.latestFor(personId, attendanceKinds);
    if (previous && this.withinDebounce(previous, at)) {
      return { recorded: false, reason: 'debounced', previous };
    }
    return { recorded: true, event: this.log.append({ ...base, kind }) };
  }

  private withinDebounce(previous: TimedEvent, at: number): boolean {
    const age = at - previous.atMs;
    return age >= 0 && age < this.options.debounceMinutes * 60_000;
  }

  private kindFor(
    sighting: Sighting,
    previous: TimedEvent | undefined,
    at: number,
  ): 'check_in' | 'check_out' {
    switch (this.options.mode) {
      case 'check_in_only':
        return 'check_in';
      case 'explicit': // recordExplicit decides
        return sighting.direction ?? 'check_in';
      case 'toggle': {
        // The first sighting of a working day is always a check-in; then in, out, in, ...
        if (!previous || previous.kind === 'check_out') return 'check_in';
        const group = sighting.group ?? null;
        const sameDay = this.calendar.workdayOf(previous.atMs, group) === this.calendar.workdayOf(at, group);
        return sameDay ? 'check_out' : 'check_in';
      }
    }
  }
}
