// Silent liveness: MiniFASNet (Silent-Face) and the starter pack's fr_liveness on scaled context
// crops, one score per face. docs/liveness.md has the models, crop rules, thresholds and limits.
export * from './crop';
export { cannotJudge, defaultJudgeRule, type JudgeRule, type ModelInputSize } from './judge';
export { boxAdapterFor, livenessLayout, livenessLayoutSchema, type LivenessLayout } from './layout';
export { LivenessModel, softmax, type LivenessView } from './liveness-model';
export { SecondOpinionModel } from './second-opinion';
export {
  LivenessEstimator,
  type LivenessEstimatorOptions,
  type LivenessLoadOptions,
} from './liveness-estimator';
export {
  attachLiveness,
  fallbackLivenessThreshold,
  fallbackSecondOpinionThreshold,
  type SecondOpinionInfo,
  loadPackLiveness,
  type LivenessAvailability,
  type PackLivenessOptions,
} from './load';
export {
  livenessErrorRates,
  parseLivenessLabels,
  type ErrorRate,
  type LivenessErrorRates,
  type LivenessLabel,
  type LivenessOutcome,
} from './evaluation';
