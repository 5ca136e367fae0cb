import { performance } from 'node:perf_hooks';
import { FaceGateError, toErrorInfo } from '../errors';
import { FaceAnalyzer } from '../face';
import { attachLiveness } from '../face/liveness';
import { decodeImage, rgbaToRgb } from '../image';
import { resolvePack } from '../models';
import { RecognitionTracks } from './recognition-tracks';
import type {
  FaceOptions,
  HostAnalysis,
  InferenceLoadOptions,
  InferenceRequest,
  InferenceResponse,
  LivenessInfo,
  LoadedModels,
} from './types';
import { SerialQueue } from '../serial-queue';

export interface RunnerReply {
  response: InferenceResponse;
  /** Buffers that can move to the other side instead of being copied. */
  transfer: ArrayBuffer[];
}

/**
 * The inference side of the host, whatever carries its messages (worker thread, utilityProcess):
 * owns the FaceAnalyzer and answers one request at a time.
 */
export class InferenceRunner {
  private analyzer: FaceAnalyzer | undefined;
  /** Each stream's face tracks (frames with options.track), for the loaded analyzer. */
  private tracks: RecognitionTracks | undefined;
  private readonly queue = new SerialQueue();

  handle(request: InferenceRequest): Promise<RunnerReply> {
    return this.queue.run(() => this.reply(request));
  }

  private async reply(request: InferenceRequest): Promise<RunnerReply> {
    try {
      const { value, transfer } = await this.dispatch(request);
      return { response: { id: request.id, ok: true, value }, transfer };
    } catch (error) {
      return { response: { id: request.id, ok: false, error: toErrorInfo(error) }, transfer: [] };
    }
  }

  private async dispatch(request: InferenceRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
    switch (request.type) {
      case 'load': {
        const { analyzer, loaded } = await load(request.options);
        const previous = this.analyzer;
        this.analyzer = analyzer;
        // Embeddings of another model mean nothing to the new one: every track starts over.
        this.tracks = new RecognitionTracks(analyzer.info.threshold);
        await previous?.release();
        return { value: loaded, transfer: [] };
      }
      case 'analyzeFrame': {
        const started = performance.now();
        const { width, height, data } = request.frame;
        const image = rgbaToRgb(data, width, height);
        return this.analyze(image, request.options, performance.now() - started);
      }
      case 'analyzePhoto': {
        const started = performance.now();
        const image = await decodeImage(request.bytes, request.name);
        return this.analyze(image, request.options, performance.now() - started);
      }
      case 'embedAligned': {
        const embedding = await this.ready().embedAligned(request.crop);
        return { value: embedding, transfer: ownedBuffers([embedding]) };
      }
      case 'release': {
        const previous = this.analyzer;
        this.analyzer = undefined;
        this.tracks = undefined;
        await previous?.release();
        return { value: null, transfer: [] };
      }
    }
  }

  private async analyze(
    image: Parameters<FaceAnalyzer['analyze']>[0],
    options: FaceOptions,
    prepareMs: number,
  ): Promise<{ value: HostAnalysis; transfer: ArrayBuffer[] }> {
    const analyzer = this.ready();
    const tracked = options.track && this.tracks ? this.tracks.begin(options.track, Date.now()) : null;
    const result = await analyzer.analyze(image, {
      embed: true,
      ...(tracked ? { select: tracked.select } : {}),
      ...(options.maxFaces ? { maxFaces: options.maxFaces } : {}),
      ...(options.minFaceSize ? { minFaceSize: options.minFaceSize } : {}),
      ...(options.liveness ? { liveness: true } : {}),
      ...(options.liveness && options.secondOpinion ? { secondOpinion: true } : {}),
    });
    const analysed = tracked ? tracked.finish(result.faces) : result.faces;
    const faces = analysed.map((face) => (options.keepAligned ? face : { ...face, aligned: undefined }));
    const arrays = faces.flatMap((f) => [f.embedding, f.aligned?.data].filter((a) => a !== undefined));
    return { value: { ...result, faces, prepareMs }, transfer: ownedBuffers(arrays) };
  }

  private ready(): FaceAnalyzer {
    if (!this.analyzer) {
      throw new FaceGateError(
        'MODEL_LOAD',
        'The face models are not loaded yet (or failed to load): see the status page.',
      );
    }
    return this.analyzer;
  }
}

/** The analyzer of a pack, with the pack's liveness judge as a stage when it loads. */
async function load(
  options: InferenceLoadOptions,
): Promise<{ analyzer: FaceAnalyzer; loaded: LoadedModels }> {
  const searchPath = options.searchPath ? { searchPath: options.searchPath } : {};
  const pack = await resolvePack(options.pack, searchPath);
  const analyzer = await FaceAnalyzer.load({
    pack: pack.origin === 'folder' ? options.pack : pack.spec.id,
    ...searchPath,
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.detThreshold !== undefined ? { detThreshold: options.detThreshold } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  let liveness: LivenessInfo = {
    state: 'unavailable',
    models: [],
    threshold: null,
    secondOpinion: null,
    message: 'Liveness was not loaded (turned off).',
  };
  if (options.liveness !== false) {
    const { estimator: _estimator, ...availability } = await attachLiveness(analyzer, pack, {
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      threshold: options.livenessThreshold ?? null,
    });
    liveness = availability;
  }
  return { analyzer, loaded: { info: analyzer.info, liveness } };
}

/** Buffers a typed array owns whole; a view into a shared buffer must be copied instead. */
function ownedBuffers(arrays: ArrayBufferView[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) {
      buffers.add(a.buffer);
    }
  }
  return [...buffers];
}
