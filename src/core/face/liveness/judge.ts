import type { CannotJudgeReason } from '../../../shared/access';
import type { Box } from '../types';
import { rectHeight, rectWidth, type FrameSize, type ScaledCrop } from './crop';

/**
 * When a liveness model's view of a face is too far from what it was trained on to trust its
 * score. The models look at the face AND its surroundings (paper edges, screen bezels, moiré
 * running across face and background), so they need:
 *  - a crop at least as large as their input, so the input is never an upscaled blur
 *    (MiniFASNet 80x80 at 2.7x: faces of 30 px and up);
 *  - some background on every side of the face. Upstream clamps the scale at the frame and
 *    shifts the crop inside, so a face at the frame edge, or one so large that the frame cannot
 *    hold any context, sits against the crop border. We ask for at least minContextMargin of
 *    the face size between the face box and each crop side.
 */
export interface JudgeRule {
  /** Background needed on every side of the face, as a fraction of the face box size. */
  minContextMargin: number;
}

/**
 * Default: a twentieth of the face on each side (a centred crop of at least 1.1x). Measured on
 * ../shared/datasets/spoof-dev (issue 12, bench/dev-liveness-rules.ts, docs/liveness.md "When a face
 * cannot be judged"): sweeping the margin over all 299 frames with a face, every value from 0.02 to
 * 0.08 gives the same attack counts (frames and clips) as the old 0.1 and judges one more live camera
 * frame; the five attack frames with a margin in [0.02, 0.1) score at most 0.07 (refused outright),
 * so the models still see enough there. Under 0.02 a print (0.019, pair 0.83) passes, and at or
 * under 0 (a face cut by the frame edge) a replay frame (-0.028, 0.69) does: 0.05 is the middle of
 * the flat range. Below it the crop is the face alone, with none of the surroundings (paper edge,
 * bezel) the models use, e.g. a print held so close that it fills the frame.
 */
export const defaultJudgeRule: JudgeRule = Object.freeze({ minContextMargin: 0.05 });

export interface ModelInputSize {
  width: number;
  height: number;
}

/** Null when the model can judge the face (box in the model's convention) from this crop, else why not. */
export function cannotJudge(
  face: Box,
  frame: FrameSize,
  crop: ScaledCrop,
  input: ModelInputSize,
  rule: JudgeRule = defaultJudgeRule,
): CannotJudgeReason | null {
  const w = face.x2 - face.x1;
  const h = face.y2 - face.y1;
  if (!(w > 0 && h > 0)) return 'face_too_small';
  const margin = Math.min(
    (face.x1 - crop.rect.left) / w,
    (crop.rect.right + 1 - face.x2) / w,
    (face.y1 - crop.rect.top) / h,
    (crop.rect.bottom + 1 - face.y2) / h,
  );
  if (margin < rule.minContextMargin) {
    // Too little background: off-centre (near one edge of an axis, or across it) the person can
    // move to the centre; near both edges of an axis, or nowhere near one, the face is too
    // large for the frame and the person must step back.
    const m = rule.minContextMargin;
    const left = face.x1 < m * w;
    const right = frame.width - face.x2 < m * w;
    const top = face.y1 < m * h;
    const bottom = frame.height - face.y2 < m * h;
    return left !== right || top !== bottom ? 'face_at_edge' : 'face_too_close';
  }
  if (rectWidth(crop.rect) < input.width || rectHeight(crop.rect) < input.height) return 'face_too_small';
  return null;
}
