import { performance } from 'node:perf_hooks';
import { FaceGateError } from '../errors';
import type { RgbImage } from '../image/types';
import { createModelSession, resolvePack, type ProviderName, type ResolvedModel } from '../models';
import { recognizerIdentity } from '../models/catalog';
import { ArcFaceEmbedder } from './arcface-embedder';
import { FusedEmbedder } from './fused-embedder';
import { detectFaces, openPackDetector, type FaceFilter } from './frame-detector';
import { SerialQueue } from '../serial-queue';
import type { AnalyzedFace, AnalyzeResult, Detector, FaceEmbedder, StageTimings } from './types';

export interface FaceAnalyzerOptions {
  /** Pack id (or a folder of ONNX files); the catalog's first available default pack when absent. */
  pack?: string;
  /** Execution providers in order of preference; falls back one by one (default: CPU). */
  providers?: ProviderName[];
  /** Detector input size where the model accepts any (SCRFD); fixed-size models ignore it. */
  detSize?: number | { width: number; height: number };
  /**
   * 'frame' (default): a landscape image is detected in an input cut to its shape (640x480 for a
   * 4:3 camera frame) instead of letterboxed into the square, at the same scale, a quarter less
   * work; 'square': always the square. Measured to change no decision (docs/face-pipeline.md).
   */
  detShape?: 'square' | 'frame';
  detThreshold?: number;
  nmsThreshold?: number;
  /** Intra-op threads per model (default: the cores available). */
  threads?: number;
  /**
   * Embed the mirrored crop too and add the two, for every recognizer of the pack (slower; see
   * the catalog evidence for its effect).
   */
  flipAugment?: boolean;
  /** Where packs are looked up (default: the model search path of DESIGN.md). */
  searchPath?: string[];
}

export interface AnalyzeOptions {
  /** Keep at most this many faces, main face first (0 or absent: all). */
  maxFaces?: number;
  /** Drop faces whose box is smaller than this many pixels on its shorter side. */
  minFaceSize?: number;
  /** Which faces get an aligned crop and an embedding: all (default), only the main one, none. */
  embed?: boolean | 'main';
  /** Run the liveness stage where one is installed (see addStage). */
  liveness?: boolean;
  /** Also ask the pack's liveness second opinion, on the main face (with liveness). */
  secondOpinion?: boolean;
  /** Detection score threshold for this call (default: the one the analyzer was loaded with). */
  detThreshold?: number;
  /**
   * Called once the faces are detected (main face first): per face, whether to align and embed it
   * and whether to judge its liveness in this call. A face tracker reuses the rest (track, then
   * recognise). Where given it decides instead of `embed`.
   */
  select?: (faces: readonly AnalyzedFace[]) => FaceSelection;
}

/** Per face (same order as the detected faces): embed it, judge its liveness. */
export interface FaceSelection {
  embed: boolean[];
  liveness: boolean[];
}

export interface AnalyzerModelInfo {
  role: 'detector' | 'landmarks' | 'recognizer';
  id: string;
  title: string;
  sha256: string;
  licence: { name: string; commercialUse: boolean; notes?: string };
  path: string;
  /** Execution provider the session runs on. */
  provider: ProviderName;
}

/** The recognizer whose embeddings analyze() returns (gallery templates are stored per id + sha256). */
export interface AnalyzerRecognizerInfo {
  /** The model's catalog id, or the fused models' ids joined with '+' (main recognizer first). */
  id: string;
  /** The model file's sha256, or the sha256 of the fused models' sha256 strings joined with '+'. */
  sha256: string;
  embeddingSize: number;
}

export interface AnalyzerInfo {
  pack: string;
  title: string;
  /** Every model the analyzer runs; a fused recognizer lists each of its models as 'recognizer'. */
  models: AnalyzerModelInfo[];
  recognizer: AnalyzerRecognizerInfo;
  /** True only when every model's licence allows commercial use. */
  commercialUse: boolean;
  embeddingSize: number;
  /** The pack's default cosine threshold for 1:1 verification, and how it was measured. */
  threshold: number;
  thresholdEvidence: string;
  /** The pack's impostor score distribution (mean, sd), for the gallery-size-aware 1:N threshold. */
  impostor?: { mean: number; sd: number; tail?: [number, number][] };
  detSize: { width: number; height: number };
  flipAugment: boolean;
}

/** What one analyze() call carries from stage to stage. */
export interface PipelineContext {
  image: RgbImage;
  options: AnalyzeOptions;
  /** Sorted main face first once the detect stage has run. */
  faces: AnalyzedFace[];
  timings: StageTimings;
  /** What options.select chose for this call's faces (absent: embed per options.embed, judge all). */
  selection?: FaceSelection;
}

/** One step of the pipeline; its wall time is added to timings[name]. */
export interface PipelineStage {
  name: keyof Omit<StageTimings, 'total'>;
  run(context: PipelineContext): Promise<void>;
  /** Frees what an added stage holds (its model sessions); FaceAnalyzer.release() calls it. */
  release?(): Promise<void>;
}

function modelInfo(
  role: AnalyzerModelInfo['role'],
  model: ResolvedModel,
  provider: ProviderName,
): AnalyzerModelInfo {
  const { id, title, sha256, licence } = model.spec;
  return { role, id, title, sha256, licence, path: model.path, provider };
}

function emptyTimings(): StageTimings {
  return { detect: 0, align: 0, embed: 0, liveness: 0, total: 0 };
}

function toSize(detSize: FaceAnalyzerOptions['detSize']): { width: number; height: number } | undefined {
  if (detSize === undefined) return undefined;
  return typeof detSize === 'number' ? { width: detSize, height: detSize } : detSize;
}

/**
 * Our InsightFace FaceAnalysis: detect, align on 5 points, embed. analyze() calls queue: one
 * pipeline run at a time per analyzer, so no model session ever runs interleaved.
 */
export class FaceAnalyzer {
  private readonly queue = new SerialQueue();
  private readonly stages: PipelineStage[];

  private constructor(
    readonly info: AnalyzerInfo,
    private readonly detector: Detector,
    private readonly embedder: FaceEmbedder,
  ) {
    this.stages = [this.detectStage(), this.alignStage(), this.embedStage()];
  }

  /** The session options and detector settings load() uses, for the analyzer and a lone detector alike. */
  private static settings(options: FaceAnalyzerOptions) {
    return {
      sessionOptions: {
        ...(options.providers ? { providers: options.providers } : {}),
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      },
      detector: {
        inputSize: toSize(options.detSize),
        frameShaped: options.detShape !== 'square',
        scoreThreshold: options.detThreshold,
        nmsThreshold: options.nmsThreshold,
      },
    };
  }

  /**
   * The pack's detector alone, loaded as load() loads it (the detector thread of an overlapped
   * inference host runs it beside the analyzer: detectFaces() gives what the detect stage gives).
   */
  static async loadDetector(options: FaceAnalyzerOptions = {}): Promise<Detector> {
    const pack = await resolvePack(
      options.pack,
      options.searchPath ? { searchPath: options.searchPath } : {},
    );
    const { sessionOptions, detector } = FaceAnalyzer.settings(options);
    return (await openPackDetector(pack, sessionOptions, detector)).detector;
  }

  static async load(options: FaceAnalyzerOptions = {}): Promise<FaceAnalyzer> {
    const pack = await resolvePack(
      options.pack,
      options.searchPath ? { searchPath: options.searchPath } : {},
    );
    const { sessionOptions, detector: detectorSettings } = FaceAnalyzer.settings(options);
    const open = (model: ResolvedModel) => createModelSession(model.path, sessionOptions);
    const recognizers = [pack.recognizer, ...pack.fused];
    const [opened, recognizerSessions] = await Promise.all([
      openPackDetector(pack, sessionOptions, detectorSettings),
      Promise.all(recognizers.map(open)),
    ]);
    const settings = { flipAugment: options.flipAugment ?? false };
    const members = recognizers.map((m, i) => new ArcFaceEmbedder(recognizerSessions[i], m.spec, settings));
    // One model: its embedder itself, so the single-model path adds no step.
    const embedder: FaceEmbedder = members.length > 1 ? new FusedEmbedder(members) : members[0];
    // Warm-up: the first run of an ONNX session is slow, and it tells the embedding size.
    const blank = { width: embedder.inputSize, height: embedder.inputSize };
    await embedder.embed([{ ...blank, data: new Uint8Array(blank.width * blank.height * 3) }]);
    const detector = opened.detector;
    const models = [
      modelInfo('detector', pack.detector, opened.provider),
      ...(pack.landmarks && opened.landmarkProvider
        ? [modelInfo('landmarks', pack.landmarks, opened.landmarkProvider)]
        : []),
      ...recognizers.map((m, i) => modelInfo('recognizer', m, recognizerSessions[i].provider)),
    ];
    const embeddingSize = embedder.embeddingSize ?? 0;
    const info: AnalyzerInfo = {
      pack: pack.spec.id,
      title: pack.spec.title,
      models,
      recognizer: { ...recognizerIdentity(recognizers.map((m) => m.spec)), embeddingSize },
      commercialUse: models.every((m) => m.licence.commercialUse),
      embeddingSize,
      threshold: pack.spec.threshold,
      thresholdEvidence: pack.spec.thresholdEvidence,
      ...(pack.spec.impostor
        ? {
            impostor: {
              mean: pack.spec.impostor.mean,
              sd: pack.spec.impostor.sd,
              ...(pack.spec.impostor.tail ? { tail: pack.spec.impostor.tail } : {}),
            },
          }
        : {}),
      detSize: detector.inputSize,
      flipAugment: options.flipAugment ?? false,
    };
    return new FaceAnalyzer(info, detector, embedder);
  }

  /** Faces in the image, main face first (largest, nearest the centre), with per-stage timings. */
  analyze(image: RgbImage, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    const { width, height, data } = image;
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 1 ||
      height < 1 ||
      data?.length !== width * height * 3
    ) {
      return Promise.reject(
        new FaceGateError(
          'INVALID_INPUT',
          `analyze() needs an RGB image: ${width}x${height} takes ${width * height * 3} bytes, got ${data?.length ?? 'none'}.`,
        ),
      );
    }
    return this.queue.run(() => this.runStages({ image, options, faces: [], timings: emptyTimings() }, 0));
  }

  /** The detect stage alone (an overlapped host without a detector thread): faces for complete(). */
  detect(image: RgbImage, filter: FaceFilter = {}): Promise<AnalyzedFace[]> {
    return this.queue.run(() => detectFaces(this.detector, image, filter));
  }

  /**
   * The rest of analyze() for faces detected elsewhere (the detector thread of an overlapped
   * inference host, by detectFaces() with the same detector): options.select, then every stage
   * after detection. `detectMs` is reported as the detect timing.
   */
  complete(
    image: RgbImage,
    faces: AnalyzedFace[],
    options: AnalyzeOptions = {},
    detectMs = 0,
  ): Promise<AnalyzeResult> {
    return this.queue.run(async () => {
      const context: PipelineContext = { image, options, faces, timings: emptyTimings() };
      if (options.select) context.selection = options.select(context.faces);
      const result = await this.runStages(context, this.stages.findIndex((s) => s.name === 'detect') + 1);
      result.timings.detect = detectMs;
      result.timings.total += detectMs;
      return result;
    });
  }

  private async runStages(context: PipelineContext, from: number): Promise<AnalyzeResult> {
    const start = performance.now();
    for (const stage of this.stages.slice(from)) {
      const stageStart = performance.now();
      await stage.run(context);
      context.timings[stage.name] += performance.now() - stageStart;
    }
    context.timings.total = performance.now() - start;
    const { image, faces, timings } = context;
    return { width: image.width, height: image.height, faces, timings };
  }

  /**
   * The embedding of an already aligned crop (re-embedding stored gallery crops after a model
   * change): the fused embedding when the pack fuses recognizers.
   */
  embedAligned(crop: RgbImage): Promise<Float32Array> {
    return this.queue.run(async () => (await this.embedder.embed([crop]))[0]);
  }

  /**
   * Inserts a stage (e.g. liveness) after the named one, or at the end. Stages read
   * context.options to decide whether they have work to do.
   */
  addStage(stage: PipelineStage, after?: PipelineStage['name']): void {
    const index = after ? this.stages.findIndex((s) => s.name === after) : -1;
    this.stages.splice(index < 0 ? this.stages.length : index + 1, 0, stage);
  }

  async release(): Promise<void> {
    await this.queue.run(async () => {
      await this.detector.release();
      await this.embedder.release();
      for (const stage of this.stages) await stage.release?.();
    });
  }

  private detectStage(): PipelineStage {
    return {
      name: 'detect',
      run: async (context) => {
        context.faces = await detectFaces(this.detector, context.image, context.options);
        if (context.options.select) context.selection = context.options.select(context.faces);
      },
    };
  }

  private facesToEmbed(context: PipelineContext): AnalyzedFace[] {
    const { embed = true } = context.options;
    const selection = context.selection;
    if (selection) return context.faces.filter((_, i) => selection.embed[i]);
    if (embed === false) return [];
    return embed === 'main' ? context.faces.slice(0, 1) : context.faces;
  }

  private alignStage(): PipelineStage {
    return {
      name: 'align',
      run: async (context) => {
        for (const face of this.facesToEmbed(context)) {
          face.aligned = this.embedder.align(context.image, face.landmarks);
        }
      },
    };
  }

  private embedStage(): PipelineStage {
    return {
      name: 'embed',
      run: async (context) => {
        const faces = this.facesToEmbed(context).filter((f) => f.aligned);
        const embeddings = await this.embedder.embed(faces.map((f) => f.aligned as RgbImage));
        faces.forEach((face, i) => (face.embedding = embeddings[i]));
      },
    };
  }
}
