import type { FaceGateApi } from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/errors';

/**
 * The renderer's only door to the app: `window.facegate`, provided by the Electron preload or by
 * the headless host's WebSocket client. Calls reject with an ErrorInfo-shaped value.
 */

export function hasBridge(): boolean {
  return typeof window !== 'undefined' && typeof window.facegate === 'object' && window.facegate !== null;
}

export function facegate(): FaceGateApi {
  return window.facegate;
}

export interface UiError {
  code: ErrorCode | 'UNKNOWN';
  message: string;
}

/** The code and message of a rejected call, whatever shape it came in. */
export function toUiError(error: unknown): UiError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return {
      code: typeof code === 'string' ? (code as ErrorCode) : 'UNKNOWN',
      message: typeof message === 'string' && message ? message : String(error),
    };
  }
  return { code: 'UNKNOWN', message: String(error) };
}

export function isUnauthorized(error: unknown): boolean {
  return toUiError(error).code === 'UNAUTHORIZED';
}
