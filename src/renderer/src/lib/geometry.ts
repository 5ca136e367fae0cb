/**
 * Where a video frame's pixels land on screen. A <video> with object-fit contain or cover shows
 * the frame scaled inside its box; boxes found in frame pixels must be scaled the same way to sit
 * on the faces. Pure math, no DOM, so it is unit-tested under Node.
 */

export type ObjectFit = 'contain' | 'cover' | 'fill';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FrameBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The rectangle (in element pixels) the frame occupies inside an element of the given size. */
export function contentRect(
  elementWidth: number,
  elementHeight: number,
  frameWidth: number,
  frameHeight: number,
  fit: ObjectFit,
): Rect {
  if (elementWidth <= 0 || elementHeight <= 0 || frameWidth <= 0 || frameHeight <= 0) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  if (fit === 'fill') return { x: 0, y: 0, width: elementWidth, height: elementHeight };
  const scaleX = elementWidth / frameWidth;
  const scaleY = elementHeight / frameHeight;
  const scale = fit === 'contain' ? Math.min(scaleX, scaleY) : Math.max(scaleX, scaleY);
  const width = frameWidth * scale;
  const height = frameHeight * scale;
  return { x: (elementWidth - width) / 2, y: (elementHeight - height) / 2, width, height };
}

/**
 * A box in frame pixels mapped into element pixels. `mirrored` matches a preview flipped with
 * `transform: scaleX(-1)`: the element's left edge then shows the frame's right edge.
 */
export function mapBox(
  box: FrameBox,
  frameWidth: number,
  frameHeight: number,
  rect: Rect,
  mirrored: boolean,
  elementWidth: number,
): Rect {
  const sx = rect.width / frameWidth;
  const sy = rect.height / frameHeight;
  let x = rect.x + box.x1 * sx;
  const width = (box.x2 - box.x1) * sx;
  if (mirrored) x = elementWidth - x - width;
  return { x, y: rect.y + box.y1 * sy, width, height: (box.y2 - box.y1) * sy };
}

/** The size to grab a frame at: the camera's size scaled down so its longer side is at most maxSide. */
export function grabSize(
  videoWidth: number,
  videoHeight: number,
  maxSide: number,
): { width: number; height: number } {
  const longer = Math.max(videoWidth, videoHeight);
  const scale = longer > maxSide ? maxSide / longer : 1;
  return {
    width: Math.max(16, Math.round(videoWidth * scale)),
    height: Math.max(16, Math.round(videoHeight * scale)),
  };
}
