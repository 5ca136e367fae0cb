export type {
  DetectedFrame,
  DetectFrameOptions,
  FaceOptions,
  HostAnalysis,
  InferenceHost,
  InferenceLoadOptions,
  LivenessInfo,
  LoadedModels,
  HostFrame,
} from './types';
export { RpcInferenceHost, type InferenceChannel } from './rpc-host';
export { InferenceRunner, type RunnerReply } from './runner';
export { createWorkerInferenceHost, type WorkerHostOptions } from './worker-host';
export { RestartingInferenceHost, type RestartEvents, type RestartOptions } from './restarting-host';
