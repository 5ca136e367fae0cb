import { randomUUID } from 'node:crypto';
import type { Alarm } from '../../shared/alarms';
import type { AttendanceEvent } from '../../shared/attendance';
import type { DoorStateChange } from '../../shared/door';
import type { EventName, EventPayload } from '../../shared/events';
import {
  integrationSchemaVersion,
  type IntegrationEvent,
  type IntegrationEventKind,
  type IntegrationAlarmKind,
} from '../../shared/integrations';

const attendanceKinds: Record<Exclude<AttendanceEvent['kind'], 'injection'>, IntegrationEventKind> = {
  check_in: 'check_in',
  check_out: 'check_out',
  denied: 'denied',
  unknown: 'unknown',
  spoof: 'not_live',
  manual_open: 'manual_open',
};

function envelope(
  kind: IntegrationEvent['kind'],
  at: string,
  device: string,
  fields: Partial<Pick<IntegrationEvent, 'person' | 'attendance' | 'door' | 'alarm'>>,
): IntegrationEvent {
  return {
    schema: integrationSchemaVersion,
    id: randomUUID(),
    kind,
    at,
    device,
    person: fields.person ?? null,
    attendance: fields.attendance ?? null,
    door: fields.door ?? null,
    alarm: fields.alarm ?? null,
  };
}

function fromAttendance(event: AttendanceEvent, device: string): IntegrationEvent[] {
  const attendance = {
    eventId: event.id,
    similarity: event.similarity,
    liveness: event.liveness,
    doorOpened: event.doorOpened,
    note: event.note,
  };
  if (event.kind === 'injection') {
    // Frames that cannot come from a live camera: an alarm, not an attendance event.
    return [
      envelope('alarm', event.at, device, {
        attendance,
        alarm: {
          kind: 'injection_attempt',
          detail: 'A kiosk sent frames that cannot come from a live camera (identical or frozen).',
        },
      }),
    ];
  }
  const kind = attendanceKinds[event.kind];
  const out = [envelope(kind, event.at, device, { person: event.person, attendance })];
  if (kind === 'not_live') {
    out.push(
      envelope('alarm', event.at, device, {
        person: event.person,
        attendance,
        alarm: { kind: 'spoof_attempt', detail: 'A face was judged not live (a photo or a screen).' },
      }),
    );
  }
  return out;
}

function fromDoor(change: DoorStateChange, device: string): IntegrationEvent[] {
  const at = new Date(change.at).toISOString();
  const door = {
    state: change.state,
    previous: change.previous,
    reason: change.reason,
    unlockedUntil: change.unlockedUntil === undefined ? null : new Date(change.unlockedUntil).toISOString(),
  };
  const out = [envelope('door_state', at, device, { door })];
  if (change.state !== change.previous && (change.state === 'fault' || change.state === 'disconnected')) {
    const kind = change.state === 'fault' ? 'door_fault' : 'door_disconnected';
    out.push(
      envelope('alarm', at, device, { door, alarm: { kind, detail: change.detail ?? change.reason } }),
    );
  }
  return out;
}

/** Alarms raised only by the alarm board (duress, door supervision); the others come from their events above. */
const boardAlarms: Partial<Record<Alarm['kind'], IntegrationAlarmKind>> = {
  duress: 'duress',
  door_held_open: 'door_held_open',
  door_forced: 'door_forced',
};

function fromAlarm(alarm: Alarm, device: string): IntegrationEvent[] {
  const kind = boardAlarms[alarm.kind];
  if (!kind) return [];
  return [
    envelope('alarm', alarm.at, device, {
      person: alarm.person,
      alarm: { kind, detail: alarm.detail ?? kind },
    }),
  ];
}

/**
 * The public events (docs/integrations.md) an internal bus event stands for: attendance events
 * (debounced like the log, so one visit is one event), door state changes, and the alarms among
 * them. Everything else on the bus (status, settings, jobs) stays inside.
 */
export function integrationEventsOf<E extends EventName>(
  name: E,
  payload: EventPayload<E>,
  device: string,
): IntegrationEvent[] {
  if (name === 'attendance.recorded') return fromAttendance(payload as AttendanceEvent, device);
  if (name === 'door.state') return fromDoor(payload as DoorStateChange, device);
  if (name === 'alarm.raised') return fromAlarm(payload as Alarm, device);
  return [];
}

export function testEvent(device: string, at: string): IntegrationEvent {
  return envelope('test', at, device, {});
}
