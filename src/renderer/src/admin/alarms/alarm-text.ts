import type { Alarm } from '../../../../shared/alarms';
import type { MessageKey, Params } from '../../i18n';

/** An alarm in words: what happened, naming the person when there is one. */
export function alarmMessage(alarm: Alarm): { key: MessageKey; params?: Params } {
  const name = alarm.person?.name;
  switch (alarm.kind) {
    case 'door_fault':
      return name ? { key: 'alarms.doorFault', params: { name } } : { key: 'alarms.doorFaultNobody' };
    case 'door_down':
      return { key: 'alarms.doorDown' };
    case 'spoof':
      return name ? { key: 'alarms.spoofAs', params: { name } } : { key: 'alarms.spoof' };
    case 'duress':
      return name ? { key: 'alarms.duressBy', params: { name } } : { key: 'alarms.duress' };
    case 'door_held_open':
      return { key: 'alarms.doorHeldOpen' };
    case 'door_forced':
      return { key: 'alarms.doorForced' };
  }
}
