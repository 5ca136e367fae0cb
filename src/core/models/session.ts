import './telemetry-off';
import { readFile } from 'node:fs/promises';
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
  /**
   * Open a model whose image input is a fixed [1, 3, H, W] at this size instead (a 640x640
   * detector opened at 640x480 for 4:3 camera frames: a quarter less work). The file is read and
   * the input's declared size rewritten in memory (reshapedModel); the file itself is untouched.
   */
  inputSize?: { width: number; height: number; from: { width: number; height: number } };
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
  const model = options.inputSize
    ? reshapedModel(await readModelFile(file), options.inputSize.from, options.inputSize, file)
    : file;
  for (const provider of providers) {
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        intraOpNumThreads,
        interOpNumThreads,
        executionMode: interOpNumThreads > 1 ? 'parallel' : 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: options.logSeverityLevel ?? 3,
        extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
      };
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
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

async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new FaceGateError('MODEL_LOAD', `Cannot read model ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A protobuf varint's bytes. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** One TensorShapeProto dimension with a fixed value: field 1 (a Dimension message) holding field 1 (dim_value). */
function dimension(value: number): number[] {
  const inner = [0x08, ...varint(value)];
  return [0x0a, inner.length, ...inner];
}

/**
 * The ONNX model's bytes with its image input's fixed size [1, 3, from.height, from.width]
 * declared as [1, 3, to.height, to.width] instead. The four dimensions are found as they are
 * encoded in the graph's input (TensorShapeProto), exactly once, and rewritten in place, which
 * needs the new sizes to take as many bytes as the old (any two sizes from 128 to 16,383 do): no
 * other byte of the file moves. Declared intermediate and output shapes keep the old size; ONNX
 * Runtime re-infers them (a graph whose reshapes hard-code the size would fail at its first run).
 */
export function reshapedModel(
  bytes: Uint8Array,
  from: { width: number; height: number },
  to: { width: number; height: number },
  file = 'the model',
): Uint8Array {
  const pattern = [...dimension(1), ...dimension(3), ...dimension(from.height), ...dimension(from.width)];
  const replacement = [...dimension(1), ...dimension(3), ...dimension(to.height), ...dimension(to.width)];
  const refuse = (why: string) =>
    new FaceGateError('MODEL_LOAD', `Cannot open ${file} at ${to.width}x${to.height}: ${why}.`);
  if (replacement.length !== pattern.length)
    throw refuse(
      `the sizes ${from.width}x${from.height} and ${to.width}x${to.height} encode to different lengths`,
    );
  const found: number[] = [];
  for (let i = 0; i + pattern.length <= bytes.length; i++) {
    let k = 0;
    while (k < pattern.length && bytes[i + k] === pattern[k]) k++;
    if (k === pattern.length) found.push(i);
  }
  if (found.length !== 1)
    throw refuse(
      `its input is declared [1, 3, ${from.height}, ${from.width}] ${found.length === 0 ? 'nowhere' : `${found.length} times`}`,
    );
  const out = bytes.slice();
  out.set(replacement, found[0]);
  return out;
}
