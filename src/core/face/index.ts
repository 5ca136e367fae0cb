// The face pipeline: detectors, the ArcFace embedder and FaceAnalyzer (InsightFace's FaceAnalysis).
export type * from './types';
export {
  FaceAnalyzer,
  type AnalyzeOptions,
  type AnalyzerInfo,
  type AnalyzerModelInfo,
  type AnalyzerRecognizerInfo,
  type FaceAnalyzerOptions,
  type PipelineContext,
  type PipelineStage,
} from './face-analyzer';
export { ArcFaceEmbedder, cosineSimilarity, l2Normalise } from './arcface-embedder';
export { FusedEmbedder } from './fused-embedder';
export { createDetector } from './create-detector';
export { ScrfdDetector } from './detectors/scrfd-detector';
export { YunetDetector } from './detectors/yunet-detector';
export { UltrafaceDetector } from './detectors/ultraface-detector';
export { Landmark68 } from './detectors/landmark68';
export { mainFaceScore, sortMainFaceFirst } from './main-face';
export { iou, nms } from './nms';
export { analyzeFile, requireMainFace, type AnalyzedFile } from './analyze-file';
export { detectionToJson, timingsToJson } from './serialize';
