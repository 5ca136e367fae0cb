import { FaceGateError } from '../errors';

/**
 * Why a relay command failed, in words the door's events and the audit log use. The first three
 * mean the port itself is gone (the controller reconnects); the rest mean the port is open but the
 * board did not do what it was told (the controller retries "locked" until it does).
 */
export const relayFailureReasons = [
  'port-unavailable',
  'port-closed',
  'port-error',
  'write-failed',
  'write-timeout',
  'modbus-timeout',
  'modbus-exception',
  'modbus-bad-reply',
  'readback-mismatch',
  'readback-timeout',
] as const;
export type RelayFailureReason = (typeof relayFailureReasons)[number];

const portLost: ReadonlySet<RelayFailureReason> = new Set(['port-unavailable', 'port-closed', 'port-error']);

/** A relay command that failed; `reason` says how, the message says what to check. */
export class RelayError extends FaceGateError {
  readonly reason: RelayFailureReason;

  constructor(reason: RelayFailureReason, message: string, options: { cause?: unknown } = {}) {
    super('DOOR', message, { cause: options.cause, details: { reason } });
    this.name = 'RelayError';
    this.reason = reason;
  }

  /** True when the serial port is gone (unplugged, closed), false when the board misbehaved. */
  get portLost(): boolean {
    return portLost.has(this.reason);
  }
}

/** Any failure as a RelayError; unexpected errors count as the port failing. */
export function asRelayError(error: unknown, port: string): RelayError {
  if (error instanceof RelayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RelayError('port-error', `Serial port ${port} failed: ${message}`, { cause: error });
}
