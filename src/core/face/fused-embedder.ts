import { FaceGateError } from '../errors';
import type { Point, RgbImage } from '../image/types';
import { l2Normalise, type ArcFaceEmbedder } from './arcface-embedder';
import { SerialQueue } from './serial-queue';
import type { FaceEmbedder } from './types';

/**
 * Several recognizers fused at score level (catalog `fuse`): every model embeds the same aligned
 * crop, each embedding is L2-normalised (by its ArcFaceEmbedder), they are concatenated in order
 * (main recognizer first) and the result is L2-normalised again. The dot product of two fused
 * embeddings is then the mean of the models' cosines.
 *
 * The models run one after another, never side by side: on a small CPU they would only steal
 * each other's cores, and each model's session stays serialised by its own embedder.
 */
export class FusedEmbedder implements FaceEmbedder {
  readonly inputSize: number;
  private readonly queue = new SerialQueue();

  constructor(private readonly members: readonly ArcFaceEmbedder[]) {
    if (members.length < 2) {
      throw new FaceGateError(
        'MODEL_LOAD',
        `A fused recognizer needs two models or more, got ${members.length}.`,
      );
    }
    this.inputSize = members[0].inputSize;
    const other = members.find((m) => m.inputSize !== this.inputSize);
    if (other) {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Cannot fuse '${other.modelId}' (${other.inputSize}x${other.inputSize} crops) with '${members[0].modelId}' ` +
          `(${this.inputSize}x${this.inputSize}): fused recognizers embed the same aligned crop. Fix "fuse" in resources/models/catalog.json.`,
      );
    }
  }

  /** The models' catalog ids, main recognizer first. */
  get modelIds(): string[] {
    return this.members.map((m) => m.modelId);
  }

  /** Sum of the models' embedding sizes (undefined until every one is known). */
  get embeddingSize(): number | undefined {
    let total = 0;
    for (const member of this.members) {
      if (member.embeddingSize === undefined) return undefined;
      total += member.embeddingSize;
    }
    return total;
  }

  align(image: RgbImage, landmarks: readonly Point[]): RgbImage {
    return this.members[0].align(image, landmarks);
  }

  embed(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    if (crops.length === 0) return Promise.resolve([]);
    return this.queue.run(async () => {
      const perModel: Float32Array[][] = [];
      for (const member of this.members) perModel.push(await member.embed(crops));
      return crops.map((_, i) => concatenateNormalised(perModel.map((embeddings) => embeddings[i])));
    });
  }

  /** Releases every model's session, even when one of them fails to release. */
  async release(): Promise<void> {
    const results = await Promise.allSettled(this.members.map((m) => m.release()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** The parts one after another, L2-normalised. */
function concatenateNormalised(parts: readonly Float32Array[]): Float32Array {
  const fused = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    fused.set(part, offset);
    offset += part.length;
  }
  return l2Normalise(fused);
}
