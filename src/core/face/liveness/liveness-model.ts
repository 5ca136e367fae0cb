import { FaceGateError } from '../../errors';
import { linearTaps, resizeRow } from '../../image/resize';
import type { RgbImage, TensorSpec } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import type { CannotJudgeReason } from '../../../shared/access';
import { InputBuffer, runFloat32 } from '../model-io';
import type { Box } from '../types';
import {
  adaptBox,
  facepluginBox,
  facepluginCrop,
  minifasnetBox,
  minifasnetCrop,
  rectHeight,
  rectWidth,
  type FrameSize,
  type PixelRect,
  type ScaledCrop,
} from './crop';
import { cannotJudge, defaultJudgeRule, type JudgeRule } from './judge';
import { boxAdapterFor, livenessLayout, type LivenessLayout } from './layout';

/** What one liveness model will look at for one face. */
export interface LivenessView {
  /** The face box in the convention the model was trained with. */
  face: Box;
  crop: ScaledCrop;
  /** Set when the crop is too far from the model's training conditions to trust a score. */
  cannotJudge: CannotJudgeReason | null;
}

/**
 * The inclusive rectangle of the image resized (cv2 INTER_LINEAR taps, rounded to bytes like
 * cv2.resize on uint8) straight into an NCHW tensor: no copy of the crop, which for a phone photo
 * can be millions of pixels.
 */
export function cropResizeToTensor(
  image: RgbImage,
  rect: PixelRect,
  width: number,
  height: number,
  spec: TensorSpec,
  out: Float32Array,
): Float32Array {
  const xs = linearTaps(rectWidth(rect), width);
  const ys = linearTaps(rectHeight(rect), height);
  for (let i = 0; i < width; i++) {
    xs.i0[i] += rect.left;
    xs.i1[i] += rect.left;
  }
  const sources = spec.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const plane = width * height;
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    resizeRow(image, xs, ys.i0[y] + rect.top, ys.i1[y] + rect.top, ys.w1[y], row, 0);
    for (let c = 0; c < 3; c++) {
      const source = sources[c];
      const mean = spec.mean[c];
      const std = spec.std[c];
      const base = c * plane + y * width;
      for (let x = 0; x < width; x++) out[base + x] = (row[x * 3 + source] - mean) / std;
    }
  }
  return out;
}

export function softmax(logits: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(logits));
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * One silent (single-frame) liveness model on a scaled context crop around the face:
 * MiniFASNet (Silent-Face) or the starter pack's fr_liveness. Preprocessing (input size, channel
 * order, mean/std) and the crop scale come from the catalog; the crop arithmetic is upstream's.
 */
export class LivenessModel {
  readonly modelId: string;
  readonly layout: LivenessLayout;
  private readonly buffer = new InputBuffer();

  constructor(
    private readonly session: ModelSession,
    readonly spec: ModelSpec,
  ) {
    if (spec.kind !== 'minifasnet' && spec.kind !== 'faceplugin-liveness') {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Model '${spec.id}' is a '${spec.kind}' model, not a liveness model (minifasnet or faceplugin-liveness). ` +
          'Fix the pack in resources/models/catalog.json.',
      );
    }
    if (spec.input.channelOrder === 'grey') {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Liveness model '${spec.id}' is declared with grey input; liveness models take colour (rgb or bgr). ` +
          'Fix resources/models/catalog.json.',
      );
    }
    this.modelId = spec.id;
    this.layout = livenessLayout(spec);
  }

  /**
   * The crop for a face found by a detector of kind detectorKind, and whether it can be judged (by
   * `rule`, or else the margin measured for this model, or else defaultJudgeRule).
   */
  view(frame: FrameSize, detected: Box, detectorKind: string, rule?: JudgeRule): LivenessView {
    const face = adaptBox(detected, boxAdapterFor(this.layout, detectorKind));
    const scale = this.layout.cropScale;
    const crop =
      this.spec.kind === 'minifasnet'
        ? minifasnetCrop(frame, minifasnetBox(face), scale)
        : facepluginCrop(frame, facepluginBox(face, frame), scale);
    return {
      face,
      crop,
      cannotJudge: cannotJudge(face, frame, crop, this.spec.input, rule ?? this.judgeRule),
    };
  }

  /** The judge rule measured for this model (catalog output.minContextMargin), or the default. */
  get judgeRule(): JudgeRule {
    const margin = this.layout.minContextMargin;
    return margin === undefined ? defaultJudgeRule : { minContextMargin: margin };
  }

  /** Probability in [0, 1] that the crop shows a live face. */
  async liveProbability(image: RgbImage, crop: ScaledCrop): Promise<number> {
    const { width, height } = this.spec.input;
    const data = cropResizeToTensor(
      image,
      crop.rect,
      width,
      height,
      this.spec.input,
      this.buffer.get(3 * width * height),
    );
    const outputs = await runFloat32(this.session, data, [1, 3, height, width]);
    const logits = outputs[this.session.outputNames[0]] ?? Object.values(outputs)[0];
    const probs = softmax(logits);
    const live = probs[this.layout.liveClass];
    if (live === undefined) {
      throw new FaceGateError(
        'MODEL_LOAD',
        `Model '${this.modelId}' gives ${probs.length} classes but its catalog entry names class ` +
          `${this.layout.liveClass} as "live". Fix resources/models/catalog.json.`,
      );
    }
    return live;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
