import type { ErrorCode } from '../shared/errors';

/** Exit statuses, after BSD sysexits where one fits. Documented in `facegate --help`. */
export const exitCodes = {
  ok: 0,
  /** A decision was made and it is negative (e.g. `verify`: different people). Reserved, see commands. */
  noFace: 3,
  usage: 64,
  dataError: 65,
  noInput: 66,
  /** A device (the door relay) is unavailable. */
  unavailable: 69,
  software: 70,
  /** A download failed (network, mirrors, disk space). */
  ioError: 74,
  config: 78,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return exitCodes.usage;
    case 'IMAGE_UNREADABLE':
      return exitCodes.noInput;
    case 'NO_FACE':
      return exitCodes.noFace;
    case 'PACK_NOT_FOUND':
    case 'MODEL_CHECKSUM':
    case 'MODEL_LOAD':
      return exitCodes.config;
    case 'DATABASE':
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'QUALITY':
      return exitCodes.dataError;
    case 'DOOR':
      return exitCodes.unavailable;
    case 'DOWNLOAD':
      return exitCodes.ioError;
    default:
      return exitCodes.software;
  }
}
