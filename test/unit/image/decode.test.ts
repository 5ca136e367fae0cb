import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import { decodeImage, encodeJpeg, encodePng, warpAffine } from '../../../src/core/image';
import { facesDir, hasSharedFaces, spoofDir } from '../../helpers/paths';
import { noiseImage } from './helpers';
import { skipWithout } from '../../helpers/fixtures';

const tempDir = mkdtempSync(path.join(os.tmpdir(), 'facegate-decode-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

async function decodeError(source: string | Uint8Array, name?: string): Promise<FaceGateError> {
  const error = await decodeImage(source, name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaceGateError);
  expect((error as FaceGateError).code).toBe('IMAGE_UNREADABLE');
  return error as FaceGateError;
}

/** A small PNG that claims width x height: a valid header and a short stub of pixel data. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage: bad input is a clear IMAGE_UNREADABLE error naming the file', () => {
  it('a missing file', async () => {
    const missing = path.join(tempDir, 'nobody.jpg');
    const error = await decodeError(missing);
    expect(error.message).toContain(missing);
    expect(error.message).toMatch(/does not exist/);
  });

  it('a folder', async () => {
    expect((await decodeError(tempDir)).message).toMatch(/folder/);
  });

  it('an empty buffer, named by the caller', async () => {
    const error = await decodeError(new Uint8Array(0), 'upload.png');
    expect(error.message).toMatch(/upload\.png.*empty/);
  });

  it('bytes that are no image', async () => {
    const file = path.join(tempDir, 'notes.jpg');
    writeFileSync(file, 'this is not a JPEG at all');
    const error = await decodeError(file);
    expect(error.message).toContain('notes.jpg');
    expect(error.message).toMatch(/not a supported image or is corrupt/);
  });

  it.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
    'a truncated JPEG (needs ../shared/faces)',
    async () => {
      const file = path.join(tempDir, 'truncated.jpg');
      writeFileSync(file, readFileSync(path.join(facesDir, 'img12.jpg')).subarray(0, 4000));
      const error = await decodeError(file);
      expect(error.message).toContain('truncated.jpg');
    },
  );

  it('an absurdly large image, refused from its header before decoding', async () => {
    const error = await decodeError(pngHeader(20_000, 20_000), 'huge.png');
    expect(error.message).toMatch(/huge\.png: it is 20000x20000 pixels, over the 100 megapixel limit/);
  });
});

describe('decodeImage: formats and orientation', () => {
  it('round-trips a lossless PNG and drops alpha', async () => {
    const image = noiseImage(9, 7, 5);
    expect(await decodeImage(await encodePng(image))).toEqual(image);
    const rgba = await sharp(Buffer.from([255, 0, 0, 128, 0, 0, 255, 0]), {
      raw: { width: 2, height: 1, channels: 4 },
    })
      .png()
      .toBuffer();
    const decoded = await decodeImage(rgba);
    expect([...decoded.data]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('expands a greyscale PNG to three equal channels', async () => {
    const grey = await sharp(Buffer.from([0, 100, 200]), { raw: { width: 3, height: 1, channels: 1 } })
      .png()
      .toBuffer();
    expect([...(await decodeImage(grey)).data]).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200]);
  });

  it('encodes JPEG that decodes back close to the original', async () => {
    const flat = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(120) };
    const jpeg = await encodeJpeg(flat, 95);
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const back = await decodeImage(jpeg);
    expect(back.width).toBe(16);
    expect(Math.max(...back.data.map((v) => Math.abs(v - 120)))).toBeLessThanOrEqual(2);
  });

  it.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
    'decodes WebP (img47.webp; needs ../shared/faces)',
    async () => {
      const file = path.join(facesDir, 'img47.webp');
      const meta = await sharp(file).metadata();
      expect(meta.format).toBe('webp');
      const image = await decodeImage(file);
      expect([image.width, image.height]).toEqual([meta.width, meta.height]);
      expect(image.data.length).toBe(image.width * image.height * 3);
      expect(image.data.some((v) => v > 0)).toBe(true);
    },
  );

  it.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
    'turns sideways-stored spoof photos upright (EXIF orientation; needs ../shared/faces)',
    async () => {
      const file = path.join(spoofDir, 'sfas_b6d5f04_image_F1.jpg');
      const meta = await sharp(file).metadata();
      expect(meta.orientation).toBe(6);
      expect([meta.width, meta.height]).toEqual([640, 480]);

      const upright = await decodeImage(file);
      expect([upright.width, upright.height]).toEqual([480, 640]);

      // Orientation 6 means "rotate 90 degrees clockwise to display": rotating the stored pixels
      // ourselves must give exactly the decoded image.
      const stored = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      const storedImage = {
        width: stored.info.width,
        height: stored.info.height,
        data: new Uint8Array(stored.data),
      };
      const clockwise = warpAffine(storedImage, [0, -1, 479, 1, 0, 0], 480, 640);
      expect(Buffer.from(upright.data).equals(Buffer.from(clockwise.data))).toBe(true);
    },
  );

  it.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
    'every spoof photo decodes upright (portrait; needs ../shared/faces)',
    async () => {
      const { readdirSync } = await import('node:fs');
      const files = readdirSync(spoofDir).filter((f) => f.endsWith('.jpg'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const image = await decodeImage(path.join(spoofDir, file));
        expect(image.height, file).toBeGreaterThan(image.width);
      }
    },
  );
});
