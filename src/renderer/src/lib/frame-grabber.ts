import type { Frame } from '../../../shared/contract';
import {
  isCameraPlanes,
  packI420,
  planeColor,
  planeFactor,
  type PlaneLayout,
} from '../../../shared/frame-planes';
import { grabSize } from './geometry';

/**
 * The video's current picture for frames.submit, scaled down so the longer side is at most
 * `maxSide` (the detector works at 640 anyway). Where the browser hands over the camera's own YUV
 * planes (WebCodecs) at a whole multiple of that size, they go as an I420 frame: 1.5 bytes a
 * pixel instead of 4, no canvas drawing (docs/DESIGN.md, "Frame path figures"). Otherwise the
 * picture is drawn on one reused canvas and sent as RGBA.
 */
export class FrameGrabber {
  private canvas: OffscreenCanvas | HTMLCanvasElement | null = null;
  private context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null = null;
  /** Whether to try the camera's planes at all (WebCodecs present, not switched off). */
  private readonly planes: boolean;
  /**
   * The camera (its size) whose planes could not be had (an RGB camera, a size that is no whole
   * multiple, three failed copies in a row): RGBA for it until the video changes size.
   */
  private refusedFor: string | null = null;
  private failures = 0;

  constructor(
    private readonly maxSide = 640,
    options: { planes?: boolean } = {},
  ) {
    this.planes = options.planes ?? typeof VideoFrame !== 'undefined';
  }

  /** The newest picture: the camera's planes where they can be had, else RGBA. */
  async grab(video: HTMLVideoElement): Promise<Frame | null> {
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth || !video.videoHeight)
      return null;
    const camera = `${video.videoWidth}x${video.videoHeight}`;
    if (this.planes && this.refusedFor !== camera) {
      try {
        const frame = await this.grabPlanes(video);
        this.failures = 0;
        if (frame) return frame;
        this.refusedFor = camera;
      } catch {
        // A copy can fail while the camera changes; three in a row: this camera goes by canvas.
        if (++this.failures >= 3) this.refusedFor = camera;
      }
    }
    return this.grabRgba(video);
  }

  /** The camera's planes as an I420 frame, or null when this camera's frames cannot go that way. */
  private async grabPlanes(video: HTMLVideoElement): Promise<Frame | null> {
    const picture = new VideoFrame(video);
    try {
      const rect = picture.visibleRect;
      if (!rect || !isCameraPlanes(picture.format)) return null;
      const target = grabSize(rect.width, rect.height, this.maxSide);
      const factor = planeFactor(rect, target);
      const color = planeColor(picture.colorSpace ?? {});
      if (factor === null || color === null) return null;
      const buffer = new Uint8Array(picture.allocationSize());
      const layout: PlaneLayout[] = await picture.copyTo(buffer);
      const data = packI420(buffer, layout, picture.format, rect.width, rect.height, factor);
      return { ...target, format: 'i420', color, data, timestamp: performance.now() };
    } finally {
      picture.close();
    }
  }

  grabRgba(video: HTMLVideoElement): Frame | null {
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth || !video.videoHeight)
      return null;
    const { width, height } = grabSize(video.videoWidth, video.videoHeight, this.maxSide);
    const context = this.contextFor(width, height);
    if (!context) return null;
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    return { width, height, data: image.data, timestamp: performance.now() };
  }

  dispose(): void {
    if (this.canvas) {
      this.canvas.width = 0;
      this.canvas.height = 0;
    }
    this.canvas = null;
    this.context = null;
  }

  private contextFor(width: number, height: number) {
    if (!this.canvas) {
      this.canvas =
        typeof OffscreenCanvas !== 'undefined'
          ? new OffscreenCanvas(width, height)
          : document.createElement('canvas');
      this.context = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as
        OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    }
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    return this.context;
  }
}
