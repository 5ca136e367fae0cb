import type { PixelFrame } from '../image/yuv';

/** Pixels compared per frame: a fixed scattered set, so the check costs microseconds at any size. */
export const frozenSamplePixels = 4096;
/** Frames refused in a row before the run counts as an injection attempt (one repeat can be a glitch). */
export const injectionRun = 2;
/** A frame whose samples span less than this (of 255) is blank (a covered lens): nobody to let in. */
const blankSpread = 16;

/**
 * Refuses frames that cannot come from a live camera: a real sensor's noise changes some of the
 * sampled pixels of every new picture, while a picture sent again (a photo injected in a loop,
 * a frozen or replayed still stream) is bit-identical. Compares the RGB of a fixed set of
 * pixels spread over the frame with the previous frame from the same kiosk; measured on fake
 * camera videos with sensor-like noise in test/unit/service/frozen-stream.test.ts. It does not
 * stop an attacker who adds noise to each injected picture: pairing stops those (docs/app.md).
 */
export class FrozenStreamCheck {
  private previous: Uint8Array | null = null;
  private previousSize = '';
  private run = 0;
  /** When this kiosk's injection was last logged (the pipeline rate-limits the log). */
  loggedAt: number | null = null;

  /**
   * Looks at a frame; returns null when it may be analysed, else why not: 'repeat' (identical to
   * the one before), 'injection' (a run of them: log it), 'blank' (identical and featureless).
   */
  observe(frame: PixelFrame | SampledFrame): 'repeat' | 'injection' | 'blank' | null {
    const samples = 'samples' in frame ? frame.samples : frozenSamples(frame);
    const size = `${frame.width}x${frame.height}`;
    const same = this.previous !== null && this.previousSize === size && equalBytes(this.previous, samples);
    this.previous = samples;
    this.previousSize = size;
    if (!same) {
      this.run = 0;
      return null;
    }
    this.run++;
    if (spread(samples) < blankSpread) return 'blank';
    return this.run >= injectionRun ? 'injection' : 'repeat';
  }
}

/**
 * A frame whose pixels stay where they are (the inference process holds a frame-port frame):
 * frozenSamples() of it, taken there.
 */
export interface SampledFrame {
  width: number;
  height: number;
  samples: Uint8Array;
}

/**
 * The fixed pixel set the check compares (what SampledFrame carries): the RGB of 4,096 pixels of
 * an RGBA frame, or the luma of three times as many pixels of an I420 or NV12 frame (a sensor's
 * noise shows in luma; a covered lens is flat there whatever its colour).
 */
export function frozenSamples(frame: PixelFrame): Uint8Array {
  const pixels = frame.width * frame.height;
  const planar = (frame.format ?? 'rgba') !== 'rgba';
  const count = Math.min(frozenSamplePixels * (planar ? 3 : 1), pixels);
  const out = new Uint8Array(planar ? count : count * 3);
  // A multiplicative (golden ratio) step visits pixels spread over the whole frame, not one column.
  const step = Math.floor(pixels * 0.6180339887) | 1;
  let index = 0;
  for (let i = 0; i < count; i++) {
    index = (index + step) % pixels;
    if (planar) {
      out[i] = frame.data[index];
      continue;
    }
    const at = index * 4;
    out[i * 3] = frame.data[at];
    out[i * 3 + 1] = frame.data[at + 1];
    out[i * 3 + 2] = frame.data[at + 2];
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function spread(samples: Uint8Array): number {
  let min = 255;
  let max = 0;
  for (const v of samples) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min;
}
