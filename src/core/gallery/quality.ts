import type { FaceQuality, QualityIssue, QualityReport } from '../../shared/people';
import type { AnalyzedFace, Landmarks5 } from '../face/types';
import { laplacianVariance } from '../image/quality';

/** Enrolment quality gates (the `enrolment` settings section feeds these). */
export interface QualityGates {
  /** Distance between the eye centres in source pixels. */
  minInterEyePx: number;
  minDetScore: number;
  /** Variance of the Laplacian of the grey aligned 112x112 crop. */
  minSharpness: number;
  maxYawDegrees: number;
  maxRollDegrees: number;
  /** Nose height between the eye line (0) and the mouth line (1): outside means head tilted up or down. */
  minNoseHeight: number;
  maxNoseHeight: number;
}

/**
 * Defaults (docs/gallery.md has the measurements). Inter-eye 40 px is the issue's floor. Sharpness
 * 50: the shared photos' crops score 600 to 7,500, and a Gaussian blur of 5% of the eye distance
 * brings them to 20-54. The pose limits pass every shared photo (|yaw| <= 19 deg, |roll| <= 16 deg,
 * nose height 0.49-0.67) and stop profiles, heads on their side and faces looking at the floor.
 */
export const defaultQualityGates: QualityGates = {
  minInterEyePx: 40,
  minDetScore: 0.6,
  minSharpness: 50,
  maxYawDegrees: 30,
  maxRollDegrees: 30,
  minNoseHeight: 0.2,
  maxNoseHeight: 0.85,
};

const degrees = 180 / Math.PI;

/**
 * Pose figures from the 5 points: roll is the eye line's tilt; yaw comes from how far the nose
 * tip sits from the eyes' midpoint (after undoing roll), as a share r of half the eye distance,
 * turned into degrees with atan(r) (a nose standing out about half the eye distance in front of
 * the eyes, the anthropometric average); noseHeight is the nose's place between eye line and
 * mouth line.
 */
export function poseFromLandmarks(landmarks: Landmarks5): {
  interEyePx: number;
  yawDegrees: number;
  rollDegrees: number;
  noseHeight: number;
} {
  const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks;
  const dx = rightEye.x - leftEye.x;
  const dy = rightEye.y - leftEye.y;
  const interEyePx = Math.hypot(dx, dy);
  const roll = Math.atan2(dy, dx);
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const origin = { x: (leftEye.x + rightEye.x) / 2, y: (leftEye.y + rightEye.y) / 2 };
  // Coordinates with the eyes' midpoint at 0 and the eye line horizontal.
  const level = (p: { x: number; y: number }) => ({
    x: (p.x - origin.x) * cos - (p.y - origin.y) * sin,
    y: (p.x - origin.x) * sin + (p.y - origin.y) * cos,
  });
  const n = level(nose);
  const mouthY = (level(leftMouth).y + level(rightMouth).y) / 2;
  const half = interEyePx / 2 || 1;
  return {
    interEyePx,
    yawDegrees: Math.atan(n.x / half) * degrees,
    rollDegrees: roll * degrees,
    noseHeight: mouthY > 0 ? n.y / mouthY : Number.NaN,
  };
}

/** Every quality figure of one face; sharpness needs its aligned crop (0 without one). */
export function measureFace(face: AnalyzedFace): FaceQuality {
  const pose = poseFromLandmarks(face.landmarks);
  return {
    detScore: face.score,
    interEyePx: pose.interEyePx,
    sharpness: face.aligned ? laplacianVariance(face.aligned) : 0,
    yawDegrees: pose.yawDegrees,
    rollDegrees: pose.rollDegrees,
    noseHeight: pose.noseHeight,
  };
}

/** The issues of one face against the gates (empty when it passes). */
export function faceIssues(quality: FaceQuality, gates: QualityGates): QualityIssue[] {
  const issues: QualityIssue[] = [];
  const r = (v: number, digits = 0) => v.toFixed(digits);
  if (quality.interEyePx < gates.minInterEyePx) {
    issues.push({
      code: 'too_small',
      message: `The face is too small: eyes ${r(quality.interEyePx)} px apart, at least ${gates.minInterEyePx} needed. Come closer or use a larger photo.`,
    });
  }
  if (quality.detScore < gates.minDetScore) {
    issues.push({
      code: 'low_score',
      message: `The face is hard to make out (detector score ${r(quality.detScore, 2)}, at least ${gates.minDetScore} needed): light the face evenly and uncover it.`,
    });
  }
  if (quality.sharpness < gates.minSharpness) {
    issues.push({
      code: 'blurry',
      message: `The face is blurred (sharpness ${r(quality.sharpness)}, at least ${gates.minSharpness} needed): hold still, focus, or use a sharper photo.`,
    });
  }
  const turned = Math.abs(quality.yawDegrees) > gates.maxYawDegrees;
  const tilted = Math.abs(quality.rollDegrees) > gates.maxRollDegrees;
  const nodding =
    !Number.isFinite(quality.noseHeight) ||
    quality.noseHeight < gates.minNoseHeight ||
    quality.noseHeight > gates.maxNoseHeight;
  if (turned || tilted || nodding) {
    const what = [
      turned ? `turned ${r(Math.abs(quality.yawDegrees))}° (at most ${gates.maxYawDegrees}°)` : '',
      tilted ? `tilted ${r(Math.abs(quality.rollDegrees))}° (at most ${gates.maxRollDegrees}°)` : '',
      nodding ? 'looking up or down' : '',
    ].filter(Boolean);
    issues.push({
      code: 'not_frontal',
      message: `The face is not frontal: ${what.join(', ')}. Look straight at the camera.`,
    });
  }
  return issues;
}

/**
 * The limits below which a photo is refused even without --strict: past them the measured
 * identification rate falls (docs/gallery.md, "Enrolment gates"). Between these and the gates
 * above, a face is enrolled with a quality note the admin sees. Never stricter than the gates.
 */
export const refusalLimits: QualityGates = {
  minInterEyePx: 20,
  minDetScore: 0.5,
  minSharpness: 10,
  maxYawDegrees: 50,
  maxRollDegrees: 45,
  minNoseHeight: 0.1,
  maxNoseHeight: 1,
};

/** The refusal limits for a set of gates: the measured limits, or the gates where those are laxer. */
export function refusalGates(gates: QualityGates): QualityGates {
  return {
    minInterEyePx: Math.min(gates.minInterEyePx, refusalLimits.minInterEyePx),
    minDetScore: Math.min(gates.minDetScore, refusalLimits.minDetScore),
    minSharpness: Math.min(gates.minSharpness, refusalLimits.minSharpness),
    maxYawDegrees: Math.max(gates.maxYawDegrees, refusalLimits.maxYawDegrees),
    maxRollDegrees: Math.max(gates.maxRollDegrees, refusalLimits.maxRollDegrees),
    minNoseHeight: Math.min(gates.minNoseHeight, refusalLimits.minNoseHeight),
    maxNoseHeight: Math.max(gates.maxNoseHeight, refusalLimits.maxNoseHeight),
  };
}

/**
 * A second face at least this share of the main face's eye distance makes the image ambiguous (it
 * is refused: whose face is it?). A smaller one that would pass the refusal limits itself gets a
 * note ("the largest, most central face was enrolled"); fainter or tinier ones are ignored. Measured
 * on the dev identification set (docs/gallery.md, "Enrolment gates").
 */
export const rivalFaceRatio = 0.8;
/** Second faces from this share of the main face's size up to rivalFaceRatio are noted. */
export const notedFaceRatio = 0.5;

export interface AssessOptions {
  /** Refuse every face that misses a gate (the old behaviour); otherwise only past refusalLimits. */
  strict?: boolean;
  /** Centre of the picture: a same-size second face far from it does not make a centred portrait ambiguous. */
  centre?: { x: number; y: number };
}

/**
 * The quality gates applied to the faces of one image or frame (main face first, as the face
 * engine sorts them). A face that misses a gate but is within the refusal limits passes with a
 * note (`notes`); with `strict`, every gate refuses. Exactly one usable face is required: another
 * face counts when it would pass the refusal limits itself and is at least rivalFaceRatio of the
 * main face's size, since then it is not clear whom to enrol. Smaller or fainter faces (people far
 * behind, posters) are ignored.
 */
export function assessFaces(
  faces: readonly AnalyzedFace[],
  gates: QualityGates = defaultQualityGates,
  options: AssessOptions = {},
): QualityReport & {
  quality: FaceQuality | null;
} {
  const main = faces[0];
  if (!main) {
    return {
      ok: false,
      faceCount: 0,
      face: null,
      figures: {},
      issues: [
        {
          code: 'no_face',
          message: 'No face was found. Face the camera, or use a photo showing the face clearly.',
        },
      ],
      notes: [],
      quality: null,
    };
  }
  const quality = measureFace(main);
  const hard = options.strict ? gates : refusalGates(gates);
  const issues = faceIssues(quality, hard);
  const refused = new Set(issues.map((i) => i.code));
  const notes = options.strict ? [] : faceIssues(quality, gates).filter((i) => !refused.has(i.code));
  // A face of about the main face's size is a rival unless the main face is clearly the central one
  // (at most half the rival's distance from the centre of the picture: a portrait with someone beside).
  const offCentre = (f: AnalyzedFace) =>
    Math.hypot((f.box.x1 + f.box.x2) / 2 - centre.x, (f.box.y1 + f.box.y2) / 2 - centre.y);
  const centre = options.centre ?? { x: (main.box.x1 + main.box.x2) / 2, y: (main.box.y1 + main.box.y2) / 2 };
  const rivals = faces.slice(1).filter((f) => {
    const eyes = poseFromLandmarks(f.landmarks).interEyePx;
    const clearlyCentral = options.centre !== undefined && offCentre(main) <= 0.5 * offCentre(f);
    return (
      eyes >= hard.minInterEyePx &&
      eyes >= rivalFaceRatio * quality.interEyePx &&
      f.score >= hard.minDetScore &&
      (options.strict || !clearlyCentral)
    );
  });
  const background = faces.slice(1).filter((f) => {
    const eyes = poseFromLandmarks(f.landmarks).interEyePx;
    return (
      !rivals.includes(f) &&
      eyes >= hard.minInterEyePx &&
      eyes >= notedFaceRatio * quality.interEyePx &&
      f.score >= hard.minDetScore
    );
  });
  if (background.length > 0 && rivals.length === 0) {
    const note = {
      code: 'several_faces' as const,
      message: `Another, smaller face is in the picture; the largest, most central face was taken. Check the thumbnail shows the right person.`,
    };
    if (options.strict) issues.unshift(note);
    else notes.unshift(note);
  }
  if (rivals.length > 0) {
    issues.unshift({
      code: 'several_faces',
      message: `${rivals.length + 1} faces are large and clear enough to enrol; it is not clear whose face this is. Use a photo or frame with one person, or crop the photo to that person.`,
    });
  }
  return {
    ok: issues.length === 0,
    faceCount: faces.length,
    face: { box: main.box, landmarks: main.landmarks, score: main.score },
    figures: { ...quality },
    issues,
    notes,
    quality,
  };
}
