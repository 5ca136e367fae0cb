import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

export interface FakeCameraOptions {
  /** 'cover' fills the 640x480 picture (cropping), 'contain' pads it with grey. */
  fit?: 'cover' | 'contain';
  seconds?: number;
  fps?: number;
}

/**
 * A short .y4m of a still photo for Chromium's fake camera (--use-file-for-fake-video-capture,
 * which loops it). sharp applies the EXIF orientation first (ffmpeg would not), and fills the
 * 640x480 frame the way a webcam would: a picture without black bars, which a liveness model would
 * rightly find odd. Each frame gets its own faint noise, as a real sensor's frames do.
 */
export async function makeFakeCameraVideo(
  photo: string,
  output: string,
  options: FakeCameraOptions = {},
): Promise<string> {
  const fit = options.fit ?? 'cover';
  const still = `${output}.png`;
  await sharp(photo)
    .rotate()
    .resize(640, 480, {
      fit,
      position: sharp.strategy.attention,
      background: { r: 128, g: 128, b: 128 },
    })
    .png()
    .toFile(still);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-loop',
    '1',
    '-i',
    still,
    '-t',
    String(options.seconds ?? 2),
    '-r',
    String(options.fps ?? 5),
    // Temporal noise like a camera sensor's: a still picture repeated bit for bit is what an
    // injected stream looks like, and the kiosk refuses it (docs/app.md, "Threat model").
    '-vf',
    'noise=alls=1:allf=t',
    '-pix_fmt',
    'yuv420p',
    output,
  ]);
  return output;
}
