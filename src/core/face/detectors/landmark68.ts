import { cropImage, resizeToTensor, tensorChannels } from '../../image';
import type { RgbImage } from '../../image/types';
import type { ModelSession } from '../../models';
import type { ModelSpec } from '../../models/catalog-schema';
import { fivePointsFrom68, landmarks68ToImage } from '../decoders/landmark68';
import { landmark68LayoutSchema, parseLayout, type Landmark68Layout } from '../layouts';
import { InputBuffer, runFloat32 } from '../model-io';
import { SerialQueue } from '../serial-queue';
import type { Box, Landmarks5 } from '../types';

/**
 * A 68-point landmark regressor on a square face crop (the starter pack's fr_landmark: 64x64
 * grey, pixel / 256, points in [0, 1] of the crop; see fr_landmark.js). The crop is the detector
 * box made square around its centre with side = box height * cropScale; parts outside the image
 * are black. Returns the 5 ArcFace points.
 */
export class Landmark68 {
  readonly modelId: string;
  private readonly layout: Landmark68Layout;
  private readonly buffer = new InputBuffer();
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ModelSession,
    private readonly spec: ModelSpec,
  ) {
    this.modelId = spec.id;
    this.layout = parseLayout(landmark68LayoutSchema, spec.output, spec.id);
  }

  /** The square region of the image the model looks at for a detector box. */
  cropFor(box: Box): Box {
    const side = (box.y2 - box.y1) * this.layout.cropScale;
    const cx = (box.x1 + box.x2) / 2;
    const cy = (box.y1 + box.y2) / 2;
    const x1 = Math.round(cx - side / 2);
    const y1 = Math.round(cy - side / 2);
    const rounded = Math.max(1, Math.round(side));
    return { x1, y1, x2: x1 + rounded, y2: y1 + rounded };
  }

  locate(image: RgbImage, box: Box): Promise<Landmarks5> {
    return this.queue.run(async () => {
      const crop = this.cropFor(box);
      const pixels = cropImage(image, crop.x1, crop.y1, crop.x2 - crop.x1, crop.y2 - crop.y1);
      const { width, height } = this.spec.input;
      const channels = tensorChannels(this.spec.input);
      const data = resizeToTensor(
        pixels,
        width,
        height,
        this.spec.input,
        this.buffer.get(channels * width * height),
      );
      const outputs = await runFloat32(this.session, data, [1, channels, height, width]);
      const points = outputs[this.session.outputNames[0]];
      return fivePointsFrom68(landmarks68ToImage(points, crop));
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
