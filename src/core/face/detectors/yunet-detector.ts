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
import { detectorInputSize, frameShapedInput, type DetectorSettings } from './settings';

/** Sessions of other input sizes a YuNet detector opens at most (the 4:3 one is opened at load). */
export const maxShapedSessions = 4;

/**
 * libfacedetection YuNet: letterboxed at the top-left into its fixed input (like SCRFD, so the
 * same det_scale maps back), raw BGR 0-255 per the catalog, outputs cls/obj/bbox/kps per stride.
 * With settings.frameShaped and `openAt`, a landscape frame goes into an input of its own shape
 * (the same model opened at that size, one session per size); a size the model cannot be opened
 * at falls back to the square input.
 */
export class YunetDetector implements Detector {
  readonly modelId: string;
  readonly inputSize: { width: number; height: number };
  private readonly layout: YunetLayout;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();
  /** Sessions of the same model opened at other input sizes ("WxH"); null where that failed. */
  private readonly shaped = new Map<string, Promise<ModelSession | null>>();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
    private readonly settings: DetectorSettings = {},
    private readonly openAt?: (size: { width: number; height: number }) => Promise<ModelSession>,
  ) {
    this.modelId = spec.id;
    this.layout = parseLayout(yunetLayoutSchema, spec.output, spec.id);
    this.inputSize = detectorInputSize(spec, settings.inputSize, Math.max(...this.layout.strides));
  }

  detect(image: RgbImage, options: DetectOptions = {}): Promise<Detection[]> {
    return this.queue.run(async () => {
      const { session, size } = await this.sessionFor(image);
      const { width, height } = size;
      const threshold = options.scoreThreshold ?? this.settings.scoreThreshold ?? this.layout.scoreThreshold;
      const nmsThreshold = options.nmsThreshold ?? this.settings.nmsThreshold ?? this.layout.nmsThreshold;
      const { data, scale } = letterboxToTensor(
        image,
        width,
        height,
        this.spec.input,
        this.buffer.get(3 * width * height),
      );
      const outputs = await runFloat32(session, data, [1, 3, height, width]);
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

  /** The session and input size for this image: the square input, or one of the frame's shape. */
  private async sessionFor(
    image: RgbImage,
  ): Promise<{ session: ModelSession; size: { width: number; height: number } }> {
    const square = { session: this.session, size: this.inputSize };
    if (!this.settings.frameShaped || !this.openAt) return square;
    const size = frameShapedInput(this.inputSize, image, Math.max(...this.layout.strides));
    if (size.height === this.inputSize.height && size.width === this.inputSize.width) return square;
    const key = `${size.width}x${size.height}`;
    let opening = this.shaped.get(key);
    if (!opening) {
      // Each session holds its own buffers and threads: a few shapes (a camera's, a photo import's
      // odd sizes), then the square for the rest.
      if (this.shaped.size >= maxShapedSessions) return square;
      opening = this.openAt(size).catch(() => null);
      this.shaped.set(key, opening);
    }
    const session = await opening;
    return session ? { session, size } : square;
  }

  async release(): Promise<void> {
    const shaped = await Promise.all(this.shaped.values());
    await Promise.all([this.session.release(), ...shaped.map((s) => s?.release())]);
  }
}
