import { FaceGateError } from '../../errors';
import type { Box } from '../types';

/**
 * The scaled context crops the liveness models were trained on. Silent-Face (MiniFASNet) crops
 * a box `scale` times the face box around its centre, clamps the scale so the crop fits in the
 * frame, shifts it back inside and truncates it to whole pixels (src/generate_patches.py,
 * CropImage._get_new_box). The starter pack's fr_liveness.js copies that arithmetic but builds
 * a cv.Rect from it, so its right and bottom edges are exclusive. Both are reproduced exactly.
 */

export interface FrameSize {
  width: number;
  height: number;
}

/** A face box as upstream passes it: left, top, width, height (integers after truncation). */
export interface XywhBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Whole-pixel rectangle; columns left..right and rows top..bottom all belong to it (inclusive). */
export interface PixelRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ScaledCrop {
  rect: PixelRect;
  /** The scale asked for (2.7, 4.0, ...). */
  requestedScale: number;
  /** The scale used after clamping so the crop fits in the frame: min((H-1)/h, (W-1)/w, scale). */
  appliedScale: number;
}

export const rectWidth = (r: PixelRect): number => r.right - r.left + 1;
export const rectHeight = (r: PixelRect): number => r.bottom - r.top + 1;

function checkBox(frame: FrameSize, box: XywhBox): void {
  const finite = [box.x, box.y, box.width, box.height, frame.width, frame.height].every(Number.isFinite);
  if (!finite || box.width <= 0 || box.height <= 0 || frame.width < 2 || frame.height < 2) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Liveness crop: needs a positive face box inside a frame of at least 2x2 pixels, got box ` +
        `(${box.x}, ${box.y}, ${box.width}x${box.height}) in a ${frame.width}x${frame.height} frame.`,
    );
  }
}

/** Silent-Face's _get_new_box before truncation: the clamped, centred, shifted-inside box. */
export function scaledBox(
  frame: FrameSize,
  box: XywhBox,
  scale: number,
): { left: number; top: number; right: number; bottom: number; appliedScale: number } {
  checkBox(frame, box);
  const maxX = frame.width - 1;
  const maxY = frame.height - 1;
  const appliedScale = Math.min(maxY / box.height, Math.min(maxX / box.width, scale));
  const newWidth = box.width * appliedScale;
  const newHeight = box.height * appliedScale;
  const centerX = box.width / 2 + box.x;
  const centerY = box.height / 2 + box.y;
  let left = centerX - newWidth / 2;
  let top = centerY - newHeight / 2;
  let right = centerX + newWidth / 2;
  let bottom = centerY + newHeight / 2;
  // Shift back inside, in upstream's order (left, top, then right, bottom).
  if (left < 0) {
    right -= left;
    left = 0;
  }
  if (top < 0) {
    bottom -= top;
    top = 0;
  }
  if (right > maxX) {
    left -= right - maxX;
    right = maxX;
  }
  if (bottom > maxY) {
    top -= bottom - maxY;
    bottom = maxY;
  }
  return { left, top, right, bottom, appliedScale };
}

/**
 * MiniFASNet's crop: int() of each corner of the scaled box, rows and columns inclusive
 * (`img[top:bottom+1, left:right+1]`).
 */
export function minifasnetCrop(frame: FrameSize, box: XywhBox, scale: number): ScaledCrop {
  const s = scaledBox(frame, box, scale);
  const rect = {
    left: Math.trunc(s.left),
    top: Math.trunc(s.top),
    right: Math.trunc(s.right),
    bottom: Math.trunc(s.bottom),
  };
  return { rect, requestedScale: scale, appliedScale: s.appliedScale };
}

/**
 * fr_liveness.js's crop: cv.Rect(max(int(left), 0), max(int(top), 0),
 * min(int(right - left), W - 1), min(int(bottom - top), H - 1)): the width is a difference of
 * the unrounded corners and the far edge is exclusive. Expressed here as an inclusive rectangle.
 */
export function facepluginCrop(frame: FrameSize, box: XywhBox, scale: number): ScaledCrop {
  const s = scaledBox(frame, box, scale);
  const left = Math.max(Math.trunc(s.left), 0);
  const top = Math.max(Math.trunc(s.top), 0);
  const width = Math.max(1, Math.min(Math.trunc(s.right - s.left), frame.width - 1));
  const height = Math.max(1, Math.min(Math.trunc(s.bottom - s.top), frame.height - 1));
  const rect = {
    left,
    top,
    right: Math.min(left + width, frame.width) - 1,
    bottom: Math.min(top + height, frame.height) - 1,
  };
  return { rect, requestedScale: scale, appliedScale: s.appliedScale };
}

/**
 * Upstream Silent-Face's box from its detector's corners:
 * `[int(left), int(top), int(right - left + 1), int(bottom - top + 1)]` (anti_spoof_predict.py).
 */
export function minifasnetBox(box: Box): XywhBox {
  return {
    x: Math.trunc(box.x1),
    y: Math.trunc(box.y1),
    width: Math.trunc(box.x2 - box.x1 + 1),
    height: Math.trunc(box.y2 - box.y1 + 1),
  };
}

/**
 * The starter pack's box: its detector's box made square (side = box height) about the centre
 * and clipped to the frame (fr_detect.js scaleResult), then parseInt() of each corner and the
 * absolute differences as the size (fr_liveness.js predictLiveness).
 */
export function facepluginBox(box: Box, frame: FrameSize): XywhBox {
  const side = box.y2 - box.y1;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const x1 = Math.trunc(Math.max(0, cx - side / 2));
  const y1 = Math.trunc(Math.max(0, cy - side / 2));
  const x2 = Math.trunc(Math.min(frame.width - 1, cx + side / 2));
  const y2 = Math.trunc(Math.min(frame.height - 1, cy + side / 2));
  return { x: x1, y: y1, width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}

/**
 * How one detector's boxes relate to the boxes a liveness model was trained with, as measured on
 * the same faces: the centre moves by (dx * w, dy * h) and the size scales by (sw, sh).
 */
export interface BoxAdapter {
  dx: number;
  dy: number;
  sw: number;
  sh: number;
}

export const identityAdapter: BoxAdapter = Object.freeze({ dx: 0, dy: 0, sw: 1, sh: 1 });

export function adaptBox(box: Box, adapter: BoxAdapter): Box {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const cx = (box.x1 + box.x2) / 2 + adapter.dx * w;
  const cy = (box.y1 + box.y2) / 2 + adapter.dy * h;
  const halfW = (w * adapter.sw) / 2;
  const halfH = (h * adapter.sh) / 2;
  return { x1: cx - halfW, y1: cy - halfH, x2: cx + halfW, y2: cy + halfH };
}
