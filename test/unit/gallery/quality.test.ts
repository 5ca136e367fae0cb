import { describe, expect, it } from 'vitest';
import type { AnalyzedFace, Landmarks5 } from '../../../src/core/face/types';
import {
  assessFaces,
  defaultQualityGates,
  faceIssues,
  poseFromLandmarks,
} from '../../../src/core/gallery/quality';

/** A frontal face: eyes `eyes` px apart around (cx, cy), nose and mouth below. */
function frontal(cx: number, cy: number, eyes: number): Landmarks5 {
  const h = eyes / 2;
  return [
    { x: cx - h, y: cy },
    { x: cx + h, y: cy },
    { x: cx, y: cy + 0.6 * eyes },
    { x: cx - 0.8 * h, y: cy + 1.1 * eyes },
    { x: cx + 0.8 * h, y: cy + 1.1 * eyes },
  ];
}

function rotate(points: Landmarks5, degrees: number, cx: number, cy: number): Landmarks5 {
  const a = (degrees * Math.PI) / 180;
  return points.map((p) => ({
    x: cx + (p.x - cx) * Math.cos(a) - (p.y - cy) * Math.sin(a),
    y: cy + (p.x - cx) * Math.sin(a) + (p.y - cy) * Math.cos(a),
  })) as Landmarks5;
}

function face(landmarks: Landmarks5, score = 0.95): AnalyzedFace {
  const xs = landmarks.map((p) => p.x);
  const ys = landmarks.map((p) => p.y);
  // A textured crop, so sharpness passes unless a test says otherwise.
  const data = new Uint8Array(112 * 112 * 3).map((_, i) => ((i * 37) % 7) * 30);
  return {
    box: {
      x1: Math.min(...xs) - 20,
      y1: Math.min(...ys) - 30,
      x2: Math.max(...xs) + 20,
      y2: Math.max(...ys) + 20,
    },
    score,
    landmarks,
    aligned: { width: 112, height: 112, data },
  };
}

describe('pose from the 5 landmarks', () => {
  it('reads a frontal face as frontal, and measures roll whatever the tilt', () => {
    const pose = poseFromLandmarks(frontal(200, 200, 60));
    expect(pose.interEyePx).toBeCloseTo(60, 6);
    expect(pose.yawDegrees).toBeCloseTo(0, 6);
    expect(pose.rollDegrees).toBeCloseTo(0, 6);
    expect(pose.noseHeight).toBeCloseTo(0.6 / 1.1, 6);
    const tilted = poseFromLandmarks(rotate(frontal(200, 200, 60), 40, 200, 200));
    expect(tilted.rollDegrees).toBeCloseTo(40, 6);
    // Undoing the roll first: a tilted frontal face still has no yaw and the same nose height.
    expect(tilted.yawDegrees).toBeCloseTo(0, 6);
    expect(tilted.noseHeight).toBeCloseTo(0.6 / 1.1, 6);
  });

  it('turns a nose shifted by half the eye distance into about 45 degrees of yaw', () => {
    const points = frontal(200, 200, 60);
    points[2] = { x: 230, y: points[2].y };
    expect(poseFromLandmarks(points).yawDegrees).toBeCloseTo(45, 6);
  });
});

describe('quality gates', () => {
  it('passes a good face and names every gate a poor one fails', () => {
    const good = assessFaces([face(frontal(200, 200, 80))]);
    expect(good.ok).toBe(true);
    expect(good.issues).toEqual([]);
    expect(good.figures.interEyePx).toBeCloseTo(80, 6);

    const poor = frontal(200, 200, 30);
    poor[2] = { x: 215, y: poor[2].y }; // nose at the eye: turned about 45 degrees
    const issues = faceIssues(
      { ...assessFaces([face(poor, 0.4)]).quality!, sharpness: 3 },
      defaultQualityGates,
    ).map((i) => i.code);
    expect(issues).toEqual(['too_small', 'low_score', 'blurry', 'not_frontal']);
  });

  it('notes a tilted head and one looking down, and refuses them with strict', () => {
    const tilted = face(rotate(frontal(200, 200, 80), 45, 200, 200));
    // Within the refusal limits: enrolled with a note the admin sees.
    const noted = assessFaces([tilted]);
    expect(noted.ok).toBe(true);
    expect(noted.notes?.map((i) => i.code)).toEqual(['not_frontal']);
    expect(noted.notes?.[0].message).toMatch(/tilted 45/);
    const strict = assessFaces([tilted], defaultQualityGates, { strict: true });
    expect(strict.issues.map((i) => i.code)).toEqual(['not_frontal']);
    const down = frontal(200, 200, 80);
    down[2] = { x: 200, y: 200 + 0.95 * 88 }; // nose almost on the mouth line
    expect(
      assessFaces([face(down)], defaultQualityGates, { strict: true }).issues.map((i) => i.code),
    ).toEqual(['not_frontal']);
    // Past the refusal limits: refused even without strict (a head on its side, a tiny face).
    const side = assessFaces([face(rotate(frontal(200, 200, 80), 60, 200, 200))]);
    expect(side.issues.map((i) => i.code)).toEqual(['not_frontal']);
    expect(assessFaces([face(frontal(200, 200, 15))]).issues.map((i) => i.code)).toContain('too_small');
    // A usable small face (eyes 32 px: the dev photos' typical 31-40) passes with a note.
    const small = assessFaces([face(frontal(200, 200, 32))]);
    expect(small.ok).toBe(true);
    expect(small.notes?.map((i) => i.code)).toEqual(['too_small']);
  });

  it('needs exactly one usable face: a second face about as large makes it ambiguous, a smaller one a note', () => {
    const main = face(frontal(200, 200, 100));
    expect(assessFaces([main, face(frontal(500, 200, 90))]).issues.map((i) => i.code)).toEqual([
      'several_faces',
    ]);
    // Half to four fifths of the main face: enrolled (the largest, most central), with a note; strict refuses.
    const smaller = assessFaces([main, face(frontal(500, 200, 60))]);
    expect(smaller.ok).toBe(true);
    expect(smaller.notes?.map((i) => i.code)).toEqual(['several_faces']);
    expect(
      assessFaces([main, face(frontal(500, 200, 60))], defaultQualityGates, { strict: true }).issues.map(
        (i) => i.code,
      ),
    ).toEqual(['several_faces']);
    // A same-size face beside a centred portrait: the central one is clearly the subject.
    const centred = assessFaces(
      [face(frontal(400, 300, 100)), face(frontal(750, 300, 95))],
      defaultQualityGates,
      {
        centre: { x: 400, y: 300 },
      },
    );
    expect(centred.ok).toBe(true);
    // People far behind (small), or faces the detector barely sees, are ignored.
    expect(assessFaces([main, face(frontal(500, 200, 45))]).ok).toBe(true);
    expect(assessFaces([main, face(frontal(500, 200, 90), 0.3)]).ok).toBe(true);
    expect(assessFaces([]).issues.map((i) => i.code)).toEqual(['no_face']);
  });
});
