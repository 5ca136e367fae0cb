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
 * Default for a model without a measured margin (catalog `output.minContextMargin`): a tenth of the
 * face on each side (a centred crop of at least 1.2x). A judgment, not a measurement: upstream trains
 * and tests on crops clamped at the frame, and its own published live sample (minivision image_T1,
 * commit c3e2048) is clamped to 1.5x for MiniFASNet and to about 1.22x for the starter pack's square
 * box; below about 1.2x the crop is the face alone, with none of the surroundings (paper edge, bezel)
 * the models use, e.g. a print held so close that it fills the frame. The MiniFASNet models carry a
 * twentieth, measured on ../shared/datasets/spoof-dev (docs/liveness.md "When a face cannot be judged").
 */
export const defaultJudgeRule: JudgeRule = Object.freeze({ minContextMargin: 0.1 });

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
