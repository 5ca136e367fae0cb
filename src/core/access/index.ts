// The access policy: from a stream of analysed frames to door and attendance decisions.
export { AccessPolicy } from './access-policy';
export { lowerMedian, mode } from './median';
export * from './types';
export {
  FaceTracker,
  boxIou,
  defaultTrackerSettings,
  type Track,
  type TrackerSettings,
} from './face-tracker';
