import { letterboxToTensor, resizeToTensor } from '../../image';
import type { RgbImage } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import { unscale } from '../decoders/candidate';
import { decodeUltraface, ultrafacePriors } from '../decoders/ultraface';
import { parseLayout, ultrafaceLayoutSchema, type UltrafaceLayout } from '../layouts';
import { InputBuffer, runFloat32 } from '../model-io';
import { nms } from '../nms';
import { SerialQueue } from '../serial-queue';
import type { DetectOptions, Detection, Detector } from '../types';
import type { Landmark68 } from './landmark68';
import type { DetectorSettings } from './settings';

/**
 * Ultra-Light-Fast-Generic-Face-Detector (the starter pack's fr_detect, 320x240): boxes and
 * scores only, so each kept box goes through the 68-point landmark model for its 5 points.
 */
export class UltrafaceDetector implements Detector {
  readonly modelId: string;
  readonly inputSize: { width: number; height: number };
  private readonly layout: UltrafaceLayout;
  private readonly priors?: Float32Array;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
    private readonly landmarks: Landmark68,
    private readonly settings: DetectorSettings = {},
  ) {
    this.modelId = spec.id;
    this.layout = parseLayout(ultrafaceLayoutSchema, spec.output, spec.id);
    this.inputSize = { width: spec.input.width, height: spec.input.height };
    if (this.layout.boxEncoding === 'priors') {
      this.priors = ultrafacePriors(this.layout, this.inputSize.width, this.inputSize.height);
    }
  }

  detect(image: RgbImage, options: DetectOptions = {}): Promise<Detection[]> {
    return this.queue.run(async () => {
      const boxes = await this.detectBoxes(image, options);
      const faces: Detection[] = [];
      for (const { box, score } of boxes) {
        faces.push({ box, score, landmarks: await this.landmarks.locate(image, box) });
      }
      return faces;
    });
  }

  private async detectBoxes(image: RgbImage, options: DetectOptions) {
    const { width, height } = this.inputSize;
    const threshold = options.scoreThreshold ?? this.settings.scoreThreshold ?? this.layout.scoreThreshold;
    const nmsThreshold = options.nmsThreshold ?? this.settings.nmsThreshold ?? this.layout.nmsThreshold;
    const out = this.buffer.get(3 * width * height);
    let scaleX: number;
    let scaleY: number;
    if (this.layout.resize === 'letterbox') {
      scaleX = scaleY = letterboxToTensor(image, width, height, this.spec.input, out).scale;
    } else {
      resizeToTensor(image, width, height, this.spec.input, out);
      scaleX = width / image.width;
      scaleY = height / image.height;
    }
    const outputs = await runFloat32(this.session, out, [1, 3, height, width]);
    const [first, second] = this.session.outputNames;
    const scores = outputs.scores ?? outputs[first];
    const boxes = outputs.boxes ?? outputs[second];
    const candidates = decodeUltraface(scores, boxes, this.layout, width, height, threshold, this.priors);
    return nms(
      candidates.map((c) => unscale(c, scaleX, scaleY)),
      nmsThreshold,
    );
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.landmarks.release();
  }
}
