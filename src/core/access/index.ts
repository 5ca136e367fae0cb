// The access policy: from a stream of analysed frames to door and attendance decisions.
export { AccessPolicy } from './access-policy';
export { lowerMedian, mode } from './median';
export * from './types';
