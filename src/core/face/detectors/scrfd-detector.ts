import { letterboxToTensor } from '../../image';
import type { RgbImage } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import { unscale } from '../decoders/candidate';
import { decodeScrfd, scrfdLayoutForOutputCount } from '../decoders/scrfd';
import { parseLayout, scrfdLayoutSchema, type ScrfdLayout } from '../layouts';
import { InputBuffer, runFloat32 } from '../model-io';
import { nms } from '../nms';
import { SerialQueue } from '../serial-queue';
import type { DetectOptions, Detection, Detector } from '../types';
import { detectorInputSize, frameShapedInput, type DetectorSettings } from './settings';

/**
 * InsightFace SCRFD (model_zoo/scrfd.py): letterbox at the top-left into the input size,
 * normalise per the catalog ((p - 127.5) / 128, RGB), decode boxes and 5 keypoints per stride,
 * divide by det_scale, NMS.
 */
export class ScrfdDetector implements Detector {
  readonly modelId: string;
  readonly inputSize: { width: number; height: number };
  private readonly layout: ScrfdLayout;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
    private readonly settings: DetectorSettings = {},
  ) {
    this.modelId = spec.id;
    const output = spec.output ?? {};
    // A model recognised from an unknown folder has no layout: InsightFace decides by output count.
    const fromCount = 'strides' in output ? {} : scrfdLayoutForOutputCount(session.outputNames.length);
    this.layout = parseLayout(scrfdLayoutSchema, { ...output, ...fromCount }, spec.id);
    this.inputSize = detectorInputSize(spec, settings.inputSize, Math.max(...this.layout.strides));
  }

  detect(image: RgbImage, options: DetectOptions = {}): Promise<Detection[]> {
    return this.queue.run(async () => {
      // The graph takes any size: a frame-shaped input needs no other session.
      const { width, height } =
        this.settings.frameShaped && this.spec.input.dynamicSize
          ? frameShapedInput(this.inputSize, image, Math.max(...this.layout.strides))
          : this.inputSize;
      const threshold = options.scoreThreshold ?? this.settings.scoreThreshold ?? this.layout.scoreThreshold;
      const nmsThreshold = options.nmsThreshold ?? this.settings.nmsThreshold ?? this.layout.nmsThreshold;
      const { data, scale } = letterboxToTensor(
        image,
        width,
        height,
        this.spec.input,
        this.buffer.get(3 * width * height),
      );
      const outputs = await runFloat32(this.session, data, [1, 3, height, width]);
      const ordered = this.session.outputNames.map((name) => outputs[name]);
      const candidates = decodeScrfd(ordered, this.layout, width, height, threshold).map((c) =>
        unscale(c, scale),
      );
      return nms(candidates, nmsThreshold) as Detection[];
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
