/**
 * Error codes every layer agrees on. The core throws FaceGateError with one of these; the CLI maps
 * them to exit codes, the contract carries them to the renderer, which shows a translated message.
 */
export const errorCodes = [
  'INVALID_INPUT', // arguments or payload failed validation
  'IMAGE_UNREADABLE', // file missing, unreadable or not a decodable image
  'NO_FACE', // the image holds no usable face
  'PACK_NOT_FOUND', // no model pack with that id, or its files are missing
  'MODEL_CHECKSUM', // a model file does not match the catalog's sha256
  'MODEL_LOAD', // onnxruntime could not load a model on any provider
  'DOWNLOAD', // a model download failed: every mirror, the network, or the disk (space, permissions)
  'DATABASE', // the database is corrupt, from a newer version, or cannot be opened
  'NOT_FOUND', // a person, template or event that does not exist
  'CONFLICT', // a duplicate (employee code, face already enrolled as someone else)
  'QUALITY', // enrolment refused by a quality gate
  'DOOR', // the relay cannot be driven
  'UNAUTHORIZED', // admin call without a valid PIN session
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** The serialisable form of an error, as it crosses a process boundary. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
