import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFaceGateError } from '../../../src/core/errors';
import { frameToRgb, rgbToI420, yuvToRgb } from '../../../src/core/image';
import { frameSchema } from '../../../src/shared/contract';
import { frozenSamples, FrozenStreamCheck } from '../../../src/core/service/frozen-stream';
import { hasFfmpeg } from '../../e2e/helpers/environment';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { thrown } from './helpers';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-yuv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ffmpeg's own conversions of a photo at 640x480: the camera planes, and their RGB as ffmpeg draws them. */
function ffmpeg(args: string[]): void {
  const run = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${String(run.stderr)}`);
}
function planesAndRgb(
  photo: string,
  pixFmt: 'yuv420p' | 'nv12',
  color = 'in_color_matrix=bt601:in_range=tv',
) {
  const planes = path.join(dir, `${pixFmt}.raw`);
  const rgb = path.join(dir, `${pixFmt}-rgb.raw`);
  ffmpeg(['-i', photo, '-vf', `scale=640:480,format=${pixFmt}`, '-f', 'rawvideo', planes]);
  // Nearest chroma (what yuvToRgb does), exact rounding: the reference conversion.
  ffmpeg([
    ...['-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', '640x480', '-i', planes],
    ...['-vf', `scale=${color}`, '-sws_flags', 'neighbor+full_chroma_int+accurate_rnd'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', rgb],
  ]);
  return { planes: new Uint8Array(readFileSync(planes)), rgb: new Uint8Array(readFileSync(rgb)) };
}
function difference(a: Uint8Array, b: Uint8Array) {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

describe.skipIf(skipWithout('ffmpeg and ../shared/faces', hasFfmpeg && hasSharedFaces))(
  'yuvToRgb against ffmpeg (needs ffmpeg and ../shared/faces)',
  () => {
    const photo = () => identityPhotos()[0].path;

    it('draws an I420 frame as ffmpeg does (BT.601, limited range)', () => {
      const { planes, rgb } = planesAndRgb(photo(), 'yuv420p');
      expect(planes.length).toBe(460_800);
      const ours = yuvToRgb(planes, 640, 480, 'i420');
      expect(ours.data.length).toBe(rgb.length);
      const d = difference(ours.data, rgb);
      expect(d.max).toBeLessThanOrEqual(1);
      expect(d.mean).toBeLessThan(0.05);
    });

    it('draws an NV12 frame (interleaved chroma) the same way', () => {
      const { planes, rgb } = planesAndRgb(photo(), 'nv12');
      const d = difference(frameToRgb({ width: 640, height: 480, data: planes, format: 'nv12' }).data, rgb);
      expect(d.max).toBeLessThanOrEqual(1);
      expect(d.mean).toBeLessThan(0.05);
    });

    it('follows the frame’s colour space: BT.709 full range', () => {
      const { planes, rgb } = planesAndRgb(photo(), 'yuv420p', 'in_color_matrix=bt709:in_range=pc');
      const bt709 = yuvToRgb(planes, 640, 480, 'i420', { matrix: 'bt709', fullRange: true });
      expect(difference(bt709.data, rgb).max).toBeLessThanOrEqual(1);
      // The default (BT.601, limited) draws the same planes visibly differently.
      expect(difference(yuvToRgb(planes, 640, 480, 'i420').data, rgb).mean).toBeGreaterThan(2);
    });
  },
);

describe('yuvToRgb and rgbToI420', () => {
  it('round-trips a picture within the rounding of 4:2:0 (flat 2x2 blocks come back exactly)', () => {
    const width = 4;
    const height = 2;
    // Two flat 2x2 blocks: red and a grey.
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data.set(x < 2 ? [200, 30, 40] : [90, 90, 90], (y * width + x) * 3);
    const planes = rgbToI420({ width, height, data });
    expect(planes.length).toBe(12);
    const back = yuvToRgb(planes, width, height, 'i420');
    expect(difference(back.data, data).max).toBeLessThanOrEqual(2);
  });

  it('refuses odd sizes and wrong lengths with INVALID_INPUT', () => {
    expect(() => yuvToRgb(new Uint8Array(6), 3, 2, 'i420')).toThrow(/even width and height, got 3x2/);
    expect(() => yuvToRgb(new Uint8Array(5), 2, 2, 'nv12')).toThrow(/2x2 nv12 frame has 6 bytes, got 5/);
    expect(
      isFaceGateError(
        thrown(() => yuvToRgb(new Uint8Array(5), 2, 2, 'i420')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});

describe('frameSchema with planar formats', () => {
  const base = { width: 640, height: 480, timestamp: 0 };
  it('takes RGBA unless told, and I420/NV12 at 1.5 bytes a pixel', () => {
    expect(frameSchema.safeParse({ ...base, data: new Uint8Array(640 * 480 * 4) }).success).toBe(true);
    expect(frameSchema.safeParse({ ...base, format: 'i420', data: new Uint8Array(460_800) }).success).toBe(
      true,
    );
    expect(
      frameSchema.safeParse({
        ...base,
        format: 'nv12',
        color: { matrix: 'bt709' },
        data: new Uint8Array(460_800),
      }).success,
    ).toBe(true);
  });
  it('refuses a planar frame of the wrong length, an odd size, or an unknown format', () => {
    const bad = [
      { ...base, format: 'i420', data: new Uint8Array(640 * 480 * 4) },
      { ...base, width: 641, format: 'i420', data: new Uint8Array((641 * 480 * 3) / 2) },
      { ...base, format: 'yuy2', data: new Uint8Array(640 * 480 * 2) },
      { ...base, format: 'i420', color: { matrix: 'bt2020' }, data: new Uint8Array(460_800) },
    ];
    for (const frame of bad)
      expect(frameSchema.safeParse(frame).success, JSON.stringify(frame.format)).toBe(false);
  });
});

describe('the frozen-stream check on planar frames', () => {
  const frame = (fill: (i: number) => number) => {
    const data = new Uint8Array(460_800);
    for (let i = 0; i < data.length; i++) data[i] = fill(i);
    return { width: 640, height: 480, format: 'i420' as const, data };
  };
  it('samples luma only: a covered lens is blank whatever its chroma, a repeat is caught', () => {
    const check = new FrozenStreamCheck();
    const flat = frame((i) => (i < 307_200 ? 16 : 200));
    expect(frozenSamples(flat).every((v) => v === 16)).toBe(true);
    expect(check.observe(flat)).toBeNull();
    expect(check.observe(flat)).toBe('blank');
    const scene = frame((i) => (i * 7919) % 251);
    const again = new FrozenStreamCheck();
    expect(again.observe(scene)).toBeNull();
    expect(again.observe({ ...scene, data: scene.data.slice() })).toBe('repeat');
    const noisy = scene.data.slice();
    noisy[123_457] ^= 1;
    // One changed luma byte in 307,200 may fall outside the samples; sensor noise changes most of them.
    for (let i = 0; i < 307_200; i += 97) noisy[i] ^= 1;
    expect(again.observe({ ...scene, data: noisy })).toBeNull();
  });
});
