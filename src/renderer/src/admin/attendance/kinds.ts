import type { EventKind as AttendanceKind } from '../../../../shared/attendance';
import type { MessageKey } from '../../i18n';

export const attendanceKindList: readonly AttendanceKind[] = [
  'check_in',
  'check_out',
  'denied',
  'unknown',
  'spoof',
  'manual_open',
  'injection',
];

export const attendanceKindKeys: Readonly<Record<AttendanceKind, MessageKey>> = {
  check_in: 'kind.check_in',
  check_out: 'kind.check_out',
  denied: 'kind.denied',
  unknown: 'kind.unknown',
  spoof: 'kind.spoof',
  manual_open: 'kind.manual_open',
  injection: 'kind.injection',
};
