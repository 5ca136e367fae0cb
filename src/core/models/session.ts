import './telemetry-off';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { FaceGateError } from '../errors';
import { SerialQueue } from '../serial-queue';

/** Execution providers FaceGate knows, named as onnxruntime-node names them. */
export const providerNames = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof providerNames)[number];

export interface ModelSessionOptions {
  /** Providers in order of preference; each one that fails to create the session is skipped. Default ['cpu']. */
  providers?: ProviderName[];
  /** Threads inside one operator (default: the cores this process may use). */
  intraOpNumThreads?: number;
  /** Threads across independent operators (default 1: sequential execution). */
  interOpNumThreads?: number;
  /** onnxruntime's log level, 0 verbose to 4 fatal (default 3: errors only; SCRFD at non-640 sizes warns). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * Let idle worker threads spin waiting for work (default false). Spinning threads of one model
   * steal the cores the next model in the pipeline needs: on 2 cores, detector then recognizer
   * took 1.2-1.7x the sum of their separate runs with spinning on, at or below it with it off.
   */
  allowSpinning?: boolean;
}

/** An input or output of a model; shape is [] (and type '') for non-tensor values. */
export interface TensorMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  /** Element type, e.g. 'float32'. */
  readonly type: string;
  /** Dimensions: numbers, or strings for symbolic (dynamic) ones. */
  readonly shape: readonly (number | string)[];
}

function metadata(values: readonly ort.InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return values.map((v) =>
    v.isTensor
      ? { name: v.name, isTensor: true, type: v.type, shape: v.shape }
      : { name: v.name, isTensor: false, type: '', shape: [] },
  );
}

/** A loaded model. run() calls are queued: one session never runs two inferences at once. */
export interface ModelSession {
  readonly path: string;
  /** The provider the session was created with. */
  readonly provider: ProviderName;
  /** Providers tried before it, and why each failed. */
  readonly fallbacks: readonly { provider: ProviderName; error: string }[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly TensorMetadata[];
  readonly outputMetadata: readonly TensorMetadata[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

/** Providers this onnxruntime-node build ships (those with bundled: false need extra libraries). */
export function availableProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map(({ name, bundled }) => ({ name, bundled }));
}

function checkProviders(providers: readonly string[]): ProviderName[] {
  if (providers.length === 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      'The execution provider list is empty: give at least one (e.g. cpu).',
    );
  }
  for (const name of providers) {
    if (!(providerNames as readonly string[]).includes(name)) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `Unknown execution provider '${name}': use one of ${providerNames.join(', ')}.`,
      );
    }
  }
  return providers as ProviderName[];
}

function checkThreads(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${name} must be a whole number of threads (1 or more), got ${value}.`,
    );
  }
  return value;
}

class QueuedSession implements ModelSession {
  private readonly queue = new SerialQueue();
  private released = false;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly TensorMetadata[];
  readonly outputMetadata: readonly TensorMetadata[];

  constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly provider: ProviderName,
    readonly fallbacks: readonly { provider: ProviderName; error: string }[],
  ) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    this.inputMetadata = metadata(session.inputMetadata);
    this.outputMetadata = metadata(session.outputMetadata);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    return this.enqueue(async () => {
      if (this.released) {
        throw new FaceGateError(
          'MODEL_LOAD',
          `The session for ${this.path} was released; load the model again.`,
        );
      }
      return (await this.session.run(feeds)) as Record<string, ort.Tensor>;
    });
  }

  release(): Promise<void> {
    return this.enqueue(async () => {
      if (this.released) return;
      this.released = true;
      await this.session.release();
    });
  }
}

/**
 * Opens an ONNX model, trying the providers in order and falling back to the next when one fails
 * (onnxruntime-node does not fall back by itself). The session reports the provider in use and why
 * the earlier ones failed. MODEL_LOAD naming the file when every provider fails.
 */
export async function createModelSession(
  file: string,
  options: ModelSessionOptions = {},
): Promise<ModelSession> {
  const providers = checkProviders(options.providers ?? ['cpu']);
  const intraOpNumThreads =
    checkThreads(options.intraOpNumThreads, 'intraOpNumThreads') ?? os.availableParallelism();
  const interOpNumThreads = checkThreads(options.interOpNumThreads, 'interOpNumThreads') ?? 1;
  const spin = options.allowSpinning ? '1' : '0';
  const failures: { provider: ProviderName; error: string }[] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [provider],
        intraOpNumThreads,
        interOpNumThreads,
        executionMode: interOpNumThreads > 1 ? 'parallel' : 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: options.logSeverityLevel ?? 3,
        extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
      });
      return new QueuedSession(session, file, provider, failures);
    } catch (error) {
      failures.push({ provider, error: (error as Error).message.split('\n')[0] });
    }
  }
  const reasons = failures.map((f) => `${f.provider}: ${f.error}`).join('; ');
  throw new FaceGateError(
    'MODEL_LOAD',
    `Cannot load model ${file} with any execution provider (${reasons}). ` +
      (failures.some((f) => f.provider === 'cpu')
        ? `The file is probably corrupt or not an ONNX model: replace ${path.basename(file)} with a fresh download.`
        : "Add 'cpu' to the provider list to fall back to the processor."),
    { details: { file, failures } },
  );
}
