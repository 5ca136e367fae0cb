import type { FrameBox } from '../lib/geometry';

/** One face drawn over the preview: its box in frame pixels, a label, and how to draw it. */
export interface OverlayMark {
  box: FrameBox;
  label: string;
  tone: 'known' | 'unknown' | 'warning';
}

export const markColours: Record<OverlayMark['tone'], string> = {
  known: '#3ddc84',
  unknown: '#ffffff',
  warning: '#ffb020',
};
