import { letterboxToTensor } from '../../image';
import type { RgbImage } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import { unscale } from '../decoders/candidate';
import { decodeYunet } from '../decoders/yunet';
import { parseLayout, yunetLayoutSchema, type YunetLayout } from '../layouts';
import { InputBuffer, requireOutput, runFloat32 } from '../model-io';
import { nms } from '../nms';
import { SerialQueue } from '../serial-queue';
import type { DetectOptions, Detection, Detector } from '../types';
import { detectorInputSize, type DetectorSettings } from './settings';

/**
 * libfacedetection YuNet: letterboxed at the top-left into its fixed input (like SCRFD, so the
 * same det_scale maps back), raw BGR 0-255 per the catalog, outputs cls/obj/bbox/kps per stride.
 */
export class YunetDetector implements Detector {
  readonly modelId: string;
  readonly inputSize: { width: number; height: number };
  private readonly layout: YunetLayout;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
    private readonly settings: DetectorSettings = {},
  ) {
    this.modelId = spec.id;
    this.layout = parseLayout(yunetLayoutSchema, spec.output, spec.id);
    this.inputSize = detectorInputSize(spec, settings.inputSize, Math.max(...this.layout.strides));
  }

  detect(image: RgbImage, options: DetectOptions = {}): Promise<Detection[]> {
    return this.queue.run(async () => {
      const { width, height } = this.inputSize;
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
      const levels = this.layout.strides.map((stride) => ({
        stride,
        cls: requireOutput(outputs, `cls_${stride}`, this.modelId),
        obj: requireOutput(outputs, `obj_${stride}`, this.modelId),
        bbox: requireOutput(outputs, `bbox_${stride}`, this.modelId),
        kps: requireOutput(outputs, `kps_${stride}`, this.modelId),
      }));
      const candidates = decodeYunet(levels, this.layout, width, threshold).map((c) => unscale(c, scale));
      return nms(candidates, nmsThreshold) as Detection[];
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
