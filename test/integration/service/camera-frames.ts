import { readFileSync } from 'node:fs';
import { cropImage, decodeImage, resizeBilinear } from '../../../src/core/image';
import type { RgbImage } from '../../../src/core/image/types';

/** A camera-like RGBA frame from a photo: scaled to cover width x height, centre crop, alpha 255. */
export async function rgbaFrameFromPhoto(
  file: string,
  width = 640,
  height = 480,
): Promise<{ width: number; height: number; data: Uint8Array }> {
  const photo = await decodeImage(readFileSync(file), file);
  return toRgba(cover(photo, width, height));
}

/**
 * A camera-like RGB frame with the whole photo in it: scaled to fit width x height (even sides),
 * centred on grey, so the face is clear of the edges and liveness judges it.
 */
export async function containFrame(file: string, width = 640, height = 480): Promise<RgbImage> {
  const photo = await decodeImage(readFileSync(file), file);
  const scale = Math.min(width / photo.width, height / photo.height);
  const small = resizeBilinear(
    photo,
    Math.round(photo.width * scale) & ~1,
    Math.round(photo.height * scale) & ~1,
  );
  const data = new Uint8Array(width * height * 3).fill(128);
  const [x0, y0] = [(width - small.width) >> 1, (height - small.height) >> 1];
  for (let row = 0; row < small.height; row++)
    data.set(
      small.data.subarray(row * small.width * 3, (row + 1) * small.width * 3),
      ((row + y0) * width + x0) * 3,
    );
  return { width, height, data };
}

export function cover(photo: RgbImage, width: number, height: number): RgbImage {
  const scale = Math.max(width / photo.width, height / photo.height);
  const resized = resizeBilinear(photo, Math.round(photo.width * scale), Math.round(photo.height * scale));
  return cropImage(
    resized,
    Math.floor((resized.width - width) / 2),
    Math.floor((resized.height - height) / 2),
    width,
    height,
  );
}

export function toRgba(image: RgbImage): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    data[j] = image.data[i];
    data[j + 1] = image.data[i + 1];
    data[j + 2] = image.data[i + 2];
    data[j + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/** A blank grey RGBA frame (no face). */
export function blankFrame(width = 640, height = 480): { width: number; height: number; data: Uint8Array } {
  return { width, height, data: new Uint8Array(width * height * 4).fill(128) };
}

// Sensor-like noise for consecutive frames: one helper, shared with the stream benchmark.
export { withSensorNoise } from '../../../bench/sensor-noise';
