import { performance } from 'node:perf_hooks';
import { FaceGateError, toErrorInfo } from '../errors';
import { FaceAnalyzer } from '../face';
import { detectFaces } from '../face/frame-detector';
import type { Detector } from '../face/types';
import { attachLiveness } from '../face/liveness';
import { decodeImage, frameToRgb } from '../image';
import { resolvePack } from '../models';
import { RecognitionTracks } from './recognition-tracks';
import type { RpcInferenceHost } from './rpc-host';
import type {
  DetectedFrame,
  DetectorReply,
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

export interface RunnerOptions {
  /**
   * Starts the detector thread of an overlapped host (worker.ts: another inference worker).
   * Without it, a host loaded with overlap detects in its own thread (correct, not overlapped).
   */
  detectorThread?: () => RpcInferenceHost;
}

/** Detected frames kept for finishFrame(); beyond this the oldest is forgotten. */
const keptFrames = 8;

/**
 * The inference side of the host, whatever carries its messages (worker thread, utilityProcess):
 * owns the FaceAnalyzer and answers one request at a time. Overlapped frames (options.overlap at
 * load): detectFrame() goes to a detector thread of its own and its own queue, so frame n+1 is
 * detected while finishFrame() embeds and judges frame n here.
 */
export class InferenceRunner {
  private analyzer: FaceAnalyzer | undefined;
  /** Each stream's face tracks (frames with options.track), for the loaded analyzer. */
  private tracks: RecognitionTracks | undefined;
  private readonly queue = new SerialQueue();
  /** detectFrame() calls, one at a time, beside the analyzer's queue. */
  private readonly detecting = new SerialQueue();
  /** The detector thread of an overlapped host, once loaded. */
  private helper: RpcInferenceHost | undefined;
  /** The lone detector, when this runner is a detector thread. */
  private detector: Detector | undefined;
  private readonly detected = new Map<number, DetectorReply>();
  private nextTicket = 1;

  constructor(private readonly options: RunnerOptions = {}) {}

  handle(request: InferenceRequest): Promise<RunnerReply> {
    const queue = request.type === 'detectFrame' || request.type === 'detect' ? this.detecting : this.queue;
    return queue.run(() => this.reply(request));
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
        this.detected.clear();
        if (request.options.detectorOnly) {
          const previous = this.detector;
          this.detector = await FaceAnalyzer.loadDetector(analyzerOptions(request.options));
          await previous?.release();
          return { value: { detector: this.detector.modelId }, transfer: [] };
        }
        await this.useDetectorThread(request.options);
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
        const image = frameToRgb(request.frame);
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
      case 'detect': {
        if (!this.detector) throw notLoaded();
        const started = performance.now();
        const image = frameToRgb(request.frame);
        const detectStarted = performance.now();
        const faces = await detectFaces(this.detector, image, request.options);
        const reply: DetectorReply = {
          image,
          faces,
          detectMs: performance.now() - detectStarted,
          prepareMs: detectStarted - started,
        };
        return { value: reply, transfer: ownedBuffers([image.data]) };
      }
      case 'detectFrame': {
        const analyzer = this.ready();
        let reply: DetectorReply;
        if (this.helper) reply = await this.helper.detect(request.frame, request.options);
        else {
          const started = performance.now();
          const image = frameToRgb(request.frame);
          const detectStarted = performance.now();
          const faces = await analyzer.detect(image, request.options);
          reply = {
            image,
            faces,
            detectMs: performance.now() - detectStarted,
            prepareMs: detectStarted - started,
          };
        }
        const ticket = this.nextTicket++;
        this.detected.set(ticket, reply);
        for (const old of this.detected.keys()) {
          if (this.detected.size <= keptFrames) break;
          this.detected.delete(old);
        }
        const value: DetectedFrame = {
          ticket,
          faces: reply.faces.length,
          overlapped: this.helper !== undefined,
        };
        return { value, transfer: [] };
      }
      case 'finishFrame': {
        const kept = this.detected.get(request.ticket);
        if (!kept) {
          throw new FaceGateError(
            'INVALID_INPUT',
            `Detected frame ${request.ticket} is not kept (finished already, or too many frames waited): detect it again.`,
          );
        }
        this.detected.delete(request.ticket);
        return this.analyze(kept.image, request.options, kept.prepareMs, kept);
      }
      case 'release': {
        const previous = this.analyzer;
        this.analyzer = undefined;
        this.tracks = undefined;
        this.detected.clear();
        await previous?.release();
        await this.detector?.release();
        this.detector = undefined;
        await this.closeDetectorThread();
        return { value: null, transfer: [] };
      }
    }
  }

  /** Starts (or stops) the detector thread as `overlap` asks, and loads the pack's detector into it. */
  private async useDetectorThread(options: InferenceLoadOptions): Promise<void> {
    if (!options.overlap || !this.options.detectorThread) {
      await this.closeDetectorThread();
      return;
    }
    if (!this.helper) {
      const helper = this.options.detectorThread();
      // A detector thread that dies leaves detection to this thread: frames go on, not overlapped.
      helper.onExit(() => {
        if (this.helper === helper) this.helper = undefined;
      });
      this.helper = helper;
    }
    try {
      await this.helper.load({ ...options, detectorOnly: true, overlap: false, liveness: false });
    } catch (error) {
      await this.closeDetectorThread();
      throw error;
    }
  }

  private async closeDetectorThread(): Promise<void> {
    const helper = this.helper;
    this.helper = undefined;
    await helper?.close();
  }

  private async analyze(
    image: Parameters<FaceAnalyzer['analyze']>[0],
    options: FaceOptions,
    prepareMs: number,
    /** Faces detected already (an overlapped frame): the rest of the pipeline runs on them. */
    detected?: DetectorReply,
  ): Promise<{ value: HostAnalysis; transfer: ArrayBuffer[] }> {
    const analyzer = this.ready();
    const tracked = options.track && this.tracks ? this.tracks.begin(options.track, Date.now()) : null;
    const analyzeOptions = {
      embed: true,
      ...(tracked ? { select: tracked.select } : {}),
      ...(options.maxFaces ? { maxFaces: options.maxFaces } : {}),
      ...(options.minFaceSize ? { minFaceSize: options.minFaceSize } : {}),
      ...(options.liveness ? { liveness: true } : {}),
      ...(options.liveness && options.secondOpinion ? { secondOpinion: true } : {}),
    };
    const result = detected
      ? await analyzer.complete(image, detected.faces, analyzeOptions, detected.detectMs)
      : await analyzer.analyze(image, analyzeOptions);
    const analysed = tracked ? tracked.finish(result.faces) : result.faces;
    const faces = analysed.map((face) => (options.keepAligned ? face : { ...face, aligned: undefined }));
    const arrays = faces.flatMap((f) => [f.embedding, f.aligned?.data].filter((a) => a !== undefined));
    return { value: { ...result, faces, prepareMs }, transfer: ownedBuffers(arrays) };
  }

  private ready(): FaceAnalyzer {
    if (!this.analyzer) throw notLoaded();
    return this.analyzer;
  }
}

function notLoaded(): FaceGateError {
  return new FaceGateError(
    'MODEL_LOAD',
    'The face models are not loaded yet (or failed to load): see the status page.',
  );
}

/** The analyzer's options from the host's load options. */
function analyzerOptions(options: InferenceLoadOptions, pack?: string) {
  const searchPath = options.searchPath ? { searchPath: options.searchPath } : {};
  return {
    ...((pack ?? options.pack) ? { pack: pack ?? options.pack } : {}),
    ...searchPath,
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.detThreshold !== undefined ? { detThreshold: options.detThreshold } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  };
}

/** The analyzer of a pack, with the pack's liveness judge as a stage when it loads. */
async function load(
  options: InferenceLoadOptions,
): Promise<{ analyzer: FaceAnalyzer; loaded: LoadedModels }> {
  const searchPath = options.searchPath ? { searchPath: options.searchPath } : {};
  const pack = await resolvePack(options.pack, searchPath);
  const analyzer = await FaceAnalyzer.load(
    analyzerOptions(options, pack.origin === 'folder' ? options.pack : pack.spec.id),
  );
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
