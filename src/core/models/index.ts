// Model packs: the catalog, where model files are found, their checksums, recognition of unknown
// ONNX files, and onnxruntime sessions with provider fallback.
export {
  catalogSchema,
  modelKinds,
  modelTasks,
  type Catalog,
  type ModelKind,
  type ModelSpec,
  type ModelTask,
  type PackSpec,
} from './catalog-schema';
export { findModelSpec, findPackSpec, loadCatalog, parseCatalog } from './catalog';
export {
  modelSearchPath,
  resourcesModelsDir,
  setResourcesDir,
  splitModelsPath,
  starterModelsDir,
} from './search-path';
export { locateModel, modelCandidates } from './locate';
export { cachedSha256, clearChecksumCache, sha256File, verifyModelFile } from './checksum';
export { readOnnxNodes, parseOnnxNodes, type OnnxNodeInfo } from './onnx-graph';
export { inspectModel, recogniseModelFile, type RecognisedModel, type SkippedFile } from './recognise';
export {
  listPacks,
  recogniseFolder,
  resolvePack,
  verifyPacks,
  type FileVerification,
  type FolderInspection,
  type PackFileStatus,
  type PackOptions,
  type PackRole,
  type PackStatus,
  type ResolvedModel,
  type ResolvedPack,
} from './packs';
export {
  availableProviders,
  createModelSession,
  providerNames,
  type ModelSession,
  type ModelSessionOptions,
  type ProviderName,
  type TensorMetadata,
} from './session';
export {
  directUrls,
  downloadPack,
  needsLicenceAcceptance,
  packLicences,
  type DownloadProgress,
  type PackDownloadOptions,
  type PackDownloadResult,
  type PackLicence,
} from './download';
