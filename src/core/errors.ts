import type { ErrorCode, ErrorInfo } from '../shared/errors';

/** An expected failure with a message written for the person who has to fix it. */
export class FaceGateError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'FaceGateError';
    this.code = code;
    this.details = options.details;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isFaceGateError(error: unknown, code?: ErrorCode): error is FaceGateError {
  return error instanceof FaceGateError && (code === undefined || error.code === code);
}

/** Any thrown value as an ErrorInfo; unexpected errors become INTERNAL with their message. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof FaceGateError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
