import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { FaceGateError } from '../errors';
import type { RgbImage } from './types';

/** Larger images are refused: decoding them would take gigabytes for no gain in face quality. */
export const maxImagePixels = 100_000_000;

function unreadable(name: string, why: string, cause?: unknown): FaceGateError {
  return new FaceGateError('IMAGE_UNREADABLE', `Cannot read image ${name}: ${why}`, {
    cause,
    details: { file: name },
  });
}

async function readSource(source: string | Buffer | Uint8Array, name: string): Promise<Buffer | Uint8Array> {
  if (typeof source !== 'string') return source;
  try {
    return await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'the file does not exist. Check the path.'
        : code === 'EISDIR'
          ? 'it is a folder, not an image file.'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied. Check the file permissions.'
            : `${(error as Error).message}.`;
    throw unreadable(name, why, error);
  }
}

/**
 * Decodes a JPEG, PNG, WebP (or anything else sharp reads) into an upright 8-bit RGB image: EXIF
 * orientation applied, alpha dropped, colour converted to sRGB. A missing, empty, corrupt or absurdly
 * large image is an IMAGE_UNREADABLE error naming the file (name, else the path, else "(buffer)").
 */
export async function decodeImage(source: string | Buffer | Uint8Array, name?: string): Promise<RgbImage> {
  const label = name ?? (typeof source === 'string' ? source : '(buffer)');
  const bytes = await readSource(source, label);
  if (bytes.length === 0) throw unreadable(label, 'it is empty (0 bytes).');

  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw unreadable(
      label,
      `it is not a supported image or is corrupt (${(error as Error).message}).`,
      error,
    );
  }
  if (!width || !height) throw unreadable(label, 'its header gives no image size.');
  if (width * height > maxImagePixels) {
    throw unreadable(
      label,
      `it is ${width}x${height} pixels, over the ${maxImagePixels / 1e6} megapixel limit. Scale it down first.`,
    );
  }

  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxImagePixels })
      .autoOrient()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    // A plain Uint8Array: Buffer's slice() would share memory where callers expect a copy.
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw unreadable(
      label,
      `decoding failed, the file is probably truncated or corrupt (${(error as Error).message}).`,
      error,
    );
  }
}

function checkImage(image: RgbImage, what: string): void {
  if (image.data.length !== image.width * image.height * 3 || image.width <= 0 || image.height <= 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${what}: a ${image.width}x${image.height} RGB image needs ${image.width * image.height * 3} bytes, got ${image.data.length}.`,
    );
  }
}

function rawInput(image: RgbImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** JPEG bytes of the image (quality 1 to 100). */
export async function encodeJpeg(image: RgbImage, quality = 90): Promise<Buffer> {
  checkImage(image, 'encodeJpeg');
  return rawInput(image)
    .jpeg({ quality: Math.min(100, Math.max(1, Math.round(quality))) })
    .toBuffer();
}

/** Lossless PNG bytes of the image. */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  checkImage(image, 'encodePng');
  return rawInput(image).png().toBuffer();
}
