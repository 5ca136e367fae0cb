import type { Frame } from '../../../shared/contract';
import { grabSize } from './geometry';

/**
 * Copies the video's current picture into RGBA bytes for frames.submit, scaled down so the longer
 * side is at most `maxSide` (the detector works at 640 anyway). One canvas, reused for every frame.
 */
export class FrameGrabber {
  private canvas: OffscreenCanvas | HTMLCanvasElement | null = null;
  private context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null = null;

  constructor(private readonly maxSide = 640) {}

  grab(video: HTMLVideoElement): Frame | null {
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
