import { FaceGateError } from '../../errors';
import type { RgbImage } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import { InputBuffer, runFloat32 } from '../model-io';
import type { Box } from '../types';
import { livenessLayout, type LivenessLayout } from './layout';
import { softmax } from './liveness-model';
import { squareCrop, squareCropToTensor } from './square-crop';

/**
 * face-antispoof-onnx as a second opinion beside a pack's liveness pair (catalog
 * `livenessSecondOpinion`): upstream's own crop (a 1.5x square of the YuNet box, reflect-101 padded
 * at the frame edge, area-resized, RGB / 255) and p_live = softmax(logits)[liveClass]. It costs about
 * twice the pair per face, so the access policy asks for it only on a few frames of a track whose
 * decision is near (docs/liveness.md).
 */
export class SecondOpinionModel {
  readonly modelId: string;
  readonly layout: LivenessLayout;
  private readonly buffer = new InputBuffer();

  constructor(
    private readonly session: ModelSession,
    readonly spec: ModelSpec,
  ) {
    const { input } = spec;
    const rgb01 =
      input.channelOrder === 'rgb' &&
      input.width === input.height &&
      input.mean.every((m) => m === 0) &&
      input.std.every((s) => s === 255);
    if (spec.kind !== 'face-antispoof' || !rgb01) {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Model '${spec.id}' cannot be a liveness second opinion: it must be a 'face-antispoof' model with a ` +
          `square RGB input scaled to [0, 1] (mean 0, std 255). Fix resources/models/catalog.json.`,
      );
    }
    this.modelId = spec.id;
    this.layout = livenessLayout(spec);
  }

  /** Probability in [0, 1] that the face in `box` is live. Never 'cannot judge': the crop is padded. */
  async liveProbability(image: RgbImage, box: Box): Promise<number> {
    const size = this.spec.input.width;
    const data = squareCropToTensor(
      image,
      squareCrop(box, this.layout.cropScale),
      size,
      this.buffer.get(3 * size * size),
    );
    const outputs = await runFloat32(this.session, data, [1, 3, size, size]);
    const logits = outputs[this.session.outputNames[0]] ?? Object.values(outputs)[0];
    const live = softmax(logits)[this.layout.liveClass];
    if (live === undefined) {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Model '${this.modelId}' gives too few classes for live class ${this.layout.liveClass}. Fix resources/models/catalog.json.`,
      );
    }
    return live;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
