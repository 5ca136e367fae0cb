import type { Box } from '../face/types';

/**
 * A small face tracker for the frame path: a face continues a track when its box overlaps the
 * track's last box (IoU) enough, greedily, best overlap first; otherwise it starts a new track.
 * A track not seen for maxGapMs is dropped. Cheap (a few boxes per frame), no appearance model:
 * at a door the kiosk sees a face for a second or more at 5-30 frames per second, so consecutive
 * boxes of one person overlap heavily, while a photo or phone swapped in front of the camera, or a
 * second person, starts its own track. The access policy judges liveness over the frames of ONE
 * track, so frames of a live face cannot vouch for a picture shown after it.
 */
export interface TrackerSettings {
  /** Least IoU between a face's box and a track's last box to continue that track. */
  minIou: number;
  /** A track unseen for this long is forgotten. */
  maxGapMs: number;
}

export const defaultTrackerSettings: TrackerSettings = Object.freeze({ minIou: 0.3, maxGapMs: 1000 });

export interface Track {
  id: number;
  box: Box;
  /** Frames this track has been seen in. */
  frames: number;
  firstAt: number;
  lastAt: number;
}

export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: Box) => Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
  return inter / (area(a) + area(b) - inter);
}

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(private readonly settings: TrackerSettings = defaultTrackerSettings) {}

  /** Assigns a track id to each box of one frame (same order as boxes). */
  update(boxes: readonly Box[], now: number): number[] {
    this.tracks = this.tracks.filter((t) => now - t.lastAt <= this.settings.maxGapMs);
    const pairs: { face: number; track: Track; iou: number }[] = [];
    boxes.forEach((box, face) => {
      for (const track of this.tracks) {
        const iou = boxIou(box, track.box);
        if (iou >= this.settings.minIou) pairs.push({ face, track, iou });
      }
    });
    pairs.sort((a, b) => b.iou - a.iou);
    const ids = new Array<number>(boxes.length).fill(0);
    const used = new Set<Track>();
    for (const { face, track } of pairs) {
      if (ids[face] || used.has(track)) continue;
      ids[face] = track.id;
      used.add(track);
      track.box = boxes[face];
      track.frames++;
      track.lastAt = now;
    }
    boxes.forEach((box, face) => {
      if (ids[face]) return;
      const track: Track = { id: this.nextId++, box, frames: 1, firstAt: now, lastAt: now };
      this.tracks.push(track);
      ids[face] = track.id;
    });
    return ids;
  }

  /**
   * Ends a track and starts a new one at the same box: the face there turned out to be someone
   * else (a person swap in the same place is a new track). Returns the new track's id.
   */
  split(id: number, now: number): number {
    const old = this.tracks.find((t) => t.id === id);
    this.tracks = this.tracks.filter((t) => t !== old);
    const track: Track = {
      id: this.nextId++,
      box: old?.box ?? { x1: 0, y1: 0, x2: 0, y2: 0 },
      frames: 1,
      firstAt: now,
      lastAt: now,
    };
    this.tracks.push(track);
    return track.id;
  }

  /** The live tracks (for tests and debugging). */
  get current(): readonly Track[] {
    return this.tracks;
  }

  reset(): void {
    this.tracks = [];
  }
}
