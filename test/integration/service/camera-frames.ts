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

/**
 * A copy of RGBA pixels with sensor-like noise (each colour byte moved by -2..+2, seeded), as
 * consecutive frames of a real camera differ even when nothing moves. Sending one picture
 * unchanged again and again is what an injected stream does, and the service refuses that.
 */
export function withSensorNoise(data: Uint8Array, seed: number): Uint8Array {
  const out = data.slice();
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < out.length; i++) {
    if ((i & 3) === 3) continue; // alpha
    state = (state * 1664525 + 1013904223) >>> 0;
    const delta = (state >>> 29) % 5; // 0..4
    out[i] = Math.min(255, Math.max(0, out[i] + delta - 2));
  }
  return out;
}
