import type { Box } from './types';

/** Intersection over union with InsightFace's pixel convention (a box covers x2 - x1 + 1 pixels). */
export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + 1);
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + 1);
  const inter = w * h;
  const areaA = (a.x2 - a.x1 + 1) * (a.y2 - a.y1 + 1);
  const areaB = (b.x2 - b.x1 + 1) * (b.y2 - b.y1 + 1);
  return inter / (areaA + areaB - inter);
}

/**
 * Greedy non-maximum suppression (InsightFace SCRFD.nms): keep the best-scoring box, drop every
 * other box overlapping it by more than `threshold`, repeat. Returns the kept items, best first.
 */
export function nms<T extends { box: Box; score: number }>(items: readonly T[], threshold: number): T[] {
  const order = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const suppressed = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    if (suppressed[i]) continue;
    kept.push(order[i]);
    for (let j = i + 1; j < order.length; j++) {
      if (!suppressed[j] && iou(order[i].box, order[j].box) > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}
