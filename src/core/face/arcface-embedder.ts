import { alignFace, flipHorizontal, toTensor } from '../image';
import type { Point, RgbImage } from '../image/types';
import type { ModelSession } from '../models';
import type { ModelSpec } from '../models/catalog-schema';
import { FaceGateError } from '../errors';
import { arcfaceLayoutSchema, parseLayout } from './layouts';
import { InputBuffer, runFloat32 } from './model-io';
import { SerialQueue } from './serial-queue';
import type { FaceEmbedder } from './types';

export interface EmbedderSettings {
  /**
   * Add the embedding of the mirrored crop before normalising (foamliu's LFW evaluation).
   * Doubles the embedding cost; off by default.
   */
  flipAugment?: boolean;
}

/** L2-normalises in place (a zero vector stays zero) and returns it. */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

/** Cosine similarity of two L2-normalised embeddings (their dot product). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Embeddings of different sizes (${a.length} and ${b.length}) come from different models and cannot be compared.`,
    );
  }
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/**
 * An ArcFace-style embedder (InsightFace arcface_onnx.py): the face aligned onto the 112x112
 * ArcFace template, normalised with the catalog's mean/std/channel order, embedding L2-normalised.
 * Several faces go through one run when the model's batch dimension is dynamic.
 */
export class ArcFaceEmbedder implements FaceEmbedder {
  readonly modelId: string;
  readonly inputSize: number;
  /** True when the graph takes a batch of crops in one run. */
  readonly batched: boolean;
  private size: number | undefined;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
    private readonly settings: EmbedderSettings = {},
  ) {
    this.modelId = spec.id;
    this.inputSize = spec.input.width;
    this.size = parseLayout(arcfaceLayoutSchema, spec.output, spec.id).embeddingSize;
    const batchDim = session.inputMetadata?.[0]?.shape?.[0];
    this.batched = typeof batchDim !== 'number' || batchDim <= 0;
  }

  /** Embedding length (128 or 512 for the models we know); known after the first run otherwise. */
  get embeddingSize(): number | undefined {
    return this.size;
  }

  /** The aligned crop for 5 landmarks (InsightFace norm_crop at this model's input size). */
  align(image: RgbImage, landmarks: readonly Point[]): RgbImage {
    return alignFace(image, landmarks, this.inputSize).image;
  }

  /** L2-normalised embeddings of aligned crops, in order. */
  embed(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    if (crops.length === 0) return Promise.resolve([]);
    return this.queue.run(async () => {
      const raw = await this.run(crops);
      if (this.settings.flipAugment) {
        const flipped = await this.run(crops.map(flipHorizontal));
        raw.forEach((v, i) => v.forEach((_, k) => (v[k] += flipped[i][k])));
      }
      return raw.map(l2Normalise);
    });
  }

  private async run(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const side = this.inputSize;
    const plane = 3 * side * side;
    const results: Float32Array[] = [];
    const batchSize = this.batched ? crops.length : 1;
    for (let start = 0; start < crops.length; start += batchSize) {
      const batch = crops.slice(start, start + batchSize);
      const input = this.buffer.get(batch.length * plane);
      batch.forEach((crop, i) => {
        if (crop.width !== side || crop.height !== side) {
          throw new FaceGateError(
            'INVALID_INPUT',
            `Model '${this.modelId}' embeds ${side}x${side} aligned crops, got ${crop.width}x${crop.height}.`,
          );
        }
        toTensor(crop, this.spec.input, input.subarray(i * plane, (i + 1) * plane));
      });
      const outputs = await runFloat32(this.session, input, [batch.length, 3, side, side]);
      const flat = outputs[this.session.outputNames[0]];
      const size = flat.length / batch.length;
      if (this.size !== undefined && this.size !== size) {
        throw new FaceGateError(
          'MODEL_LOAD',
          `Model '${this.modelId}' gave ${size}-d embeddings, its catalog entry says ${this.size}. Fix resources/models/catalog.json.`,
        );
      }
      this.size = size;
      for (let i = 0; i < batch.length; i++) results.push(flat.slice(i * size, (i + 1) * size));
    }
    return results;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
