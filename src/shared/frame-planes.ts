/**
 * The camera's own planes as a frames.submit I420 frame: what the kiosk sends instead of RGBA where
 * the browser gives it the camera's YUV (WebCodecs VideoFrame.copyTo). Pure functions, no DOM, so
 * they are unit-tested under Node and used by the renderer's FrameGrabber.
 */

/** One plane's place in the copied buffer (VideoFrame.copyTo's PlaneLayout). */
export interface PlaneLayout {
  offset: number;
  stride: number;
}

/** The YUV layouts the kiosk packs: I420 (and I420A, whose alpha plane is ignored) and NV12. */
export type CameraPlanes = 'I420' | 'I420A' | 'NV12';

export function isCameraPlanes(format: string | null | undefined): format is CameraPlanes {
  return format === 'I420' || format === 'I420A' || format === 'NV12';
}

/**
 * The scale-down factor from the camera's size to the size the kiosk sends, when it is a whole
 * number that keeps both sides even (1280x720 -> 640x360 is 2); null when the planes cannot be
 * box-averaged to that size (the kiosk then draws the frame on a canvas).
 */
export function planeFactor(
  source: { width: number; height: number },
  target: { width: number; height: number },
): number | null {
  const factor = source.width / target.width;
  if (!Number.isInteger(factor) || factor < 1 || source.height / target.height !== factor) return null;
  if (target.width % 2 || target.height % 2 || source.width % 2 || source.height % 2) return null;
  return factor;
}

/**
 * Packs a copied camera frame (width x height visible pixels, in `format` with `layout`) into a
 * tight I420 frame `factor` times smaller on each side, each output sample the rounded mean of a
 * factor x factor block (a plain copy when factor is 1).
 */
export function packI420(
  src: Uint8Array,
  layout: readonly PlaneLayout[],
  format: CameraPlanes,
  width: number,
  height: number,
  factor: number,
): Uint8Array {
  const outWidth = width / factor;
  const outHeight = height / factor;
  const out = new Uint8Array((outWidth * outHeight * 3) / 2);
  const lumaSize = outWidth * outHeight;
  const area = factor * factor;
  const half = area >> 1;
  // Luma.
  const y = layout[0];
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = y.offset + (oy * factor + dy) * y.stride + ox * factor;
        for (let dx = 0; dx < factor; dx++) sum += src[row + dx];
      }
      out[oy * outWidth + ox] = (sum + half) / area;
    }
  }
  // Chroma: U then V, each at half the output size. NV12 interleaves them in its second plane.
  const chromaWidth = outWidth / 2;
  const chromaHeight = outHeight / 2;
  for (let c = 0; c < 2; c++) {
    const plane = format === 'NV12' ? layout[1] : layout[1 + c];
    const step = format === 'NV12' ? 2 : 1;
    const first = format === 'NV12' ? c : 0;
    const base = lumaSize + c * chromaWidth * chromaHeight;
    for (let oy = 0; oy < chromaHeight; oy++) {
      for (let ox = 0; ox < chromaWidth; ox++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = plane.offset + (oy * factor + dy) * plane.stride + first;
          for (let dx = 0; dx < factor; dx++) sum += src[row + (ox * factor + dx) * step];
        }
        out[base + oy * chromaWidth + ox] = (sum + half) / area;
      }
    }
  }
  return out;
}

/** VideoFrame.colorSpace as the contract's frame colour; null when FaceGate cannot convert it (RGB, BT.2020). */
export function planeColor(space: {
  matrix?: string | null;
  fullRange?: boolean | null;
}): { matrix: 'bt601' | 'bt709'; fullRange: boolean } | null {
  const matrix = space.matrix ?? 'smpte170m';
  if (matrix === 'bt709') return { matrix: 'bt709', fullRange: space.fullRange === true };
  if (matrix === 'smpte170m' || matrix === 'bt470bg')
    return { matrix: 'bt601', fullRange: space.fullRange === true };
  return null;
}
