export { createFaceGateService, type FaceGateServiceOptions } from './service';
export type { FaceGateService } from './types';
export { newSession, type CallerSession } from './session';
export { contentSecurityPolicy } from './csp';
