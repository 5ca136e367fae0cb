/**
 * The checks a picture cannot pass, measured on the clips of a liveness dev set (issue 12):
 * landmark micro-motion (how far the five landmarks of one frame are from an affine map of the
 * previous frame's: a flat print or screen moves rigidly, a face does not) and eye state (the npm
 * starter package's fr_landmark 68 points, then fr_eye on each eye, as its lib/fr_eye.js cuts them).
 *
 *   nice -n 10 npx tsx bench/dev-liveness-checks.ts ../shared/datasets/spoof-dev /tmp/w3-liveness/checks
 *
 * Detection: the `open` pack's YuNet (the box and five landmarks the stream decision sees). Frames
 * of a clip (`source` up to '#') in `#t=S` order. Per-frame results are cached in OUT/frames.json.
 * Prints, per species: the per-clip median affine residual (divided by the eye distance) of
 * multi-frame clips, its AUC live camera vs screen replay, clips under 0.025; the share of frames
 * with both eyes called closed, and clips with a blink (some frame closed, some open).
 * docs/liveness.md, "Checks a picture cannot pass".
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaceAnalyzer } from '../src/core/face/face-analyzer';
import { analyzeFile } from '../src/core/face';
import { parseLivenessLabels } from '../src/core/face/liveness';
import { runFloat32 } from '../src/core/face/model-io';
import type { RgbImage } from '../src/core/image';
import { createModelSession } from '../src/core/models';
import { starterModelsDir } from '../src/core/models/search-path';

interface Frame {
  file: string;
  label: 'real' | 'spoof';
  attackType: string;
  source: string;
  points?: [number, number][];
  /** Probability of 'closed' (fr_eye class 0) for the left and right eye. */
  closed?: [number, number];
}

/** Live camera frames of spoof-dev (its README), as opposed to the celebrity photos. */
const cameraPrefixes = [
  'tdreal',
  'siva',
  'nert',
  'tvl',
  'zub',
  'apf',
  'krz',
  'lest',
  'wolf',
  'zalo',
  'miniai',
];
const speciesOf = (f: Frame) =>
  f.label === 'real'
    ? cameraPrefixes.some((p) => f.file.startsWith(p))
      ? 'live_camera'
      : 'live_other'
    : f.attackType || 'attack';

/** Bilinear grey sample (R and B weights swapped, as BGR2GRAY on the JS's RGBA) of a square region. */
function greySquare(
  img: RgbImage,
  x0: number,
  y0: number,
  side: number,
  n: number,
  div: number,
): Float32Array {
  const out = new Float32Array(n * n);
  const px = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return 0;
    const i = (y * img.width + x) * 3;
    return 0.114 * img.data[i] + 0.587 * img.data[i + 1] + 0.299 * img.data[i + 2];
  };
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const sx = x0 + ((i + 0.5) * side) / n - 0.5;
      const sy = y0 + ((j + 0.5) * side) / n - 0.5;
      const xa = Math.floor(sx);
      const ya = Math.floor(sy);
      const fx = sx - xa;
      const fy = sy - ya;
      const v =
        px(xa, ya) * (1 - fx) * (1 - fy) +
        px(xa + 1, ya) * fx * (1 - fy) +
        px(xa, ya + 1) * (1 - fx) * fy +
        px(xa + 1, ya + 1) * fx * fy;
      out[j * n + i] = Math.round(v) / div;
    }
  return out;
}

/** RMS residual of the least-squares affine map of points a onto b. */
export function affineResidual(a: readonly [number, number][], b: readonly [number, number][]): number {
  // Normal equations (A^T A) X = A^T B with rows [x, y, 1] of a; solved by Cramer's rule.
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const r = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  for (let k = 0; k < a.length; k++) {
    const row = [a[k][0], a[k][1], 1];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) m[i][j] += row[i] * row[j];
      r[i][0] += row[i] * b[k][0];
      r[i][1] += row[i] * b[k][1];
    }
  }
  const det3 = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) -
    q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det3(m);
  const x = [0, 1].map((c) =>
    [0, 1, 2].map((col) => det3(m.map((rowM, i) => rowM.map((v, j) => (j === col ? r[i][c] : v)))) / d),
  );
  let sum = 0;
  for (let k = 0; k < a.length; k++) {
    const u = x[0][0] * a[k][0] + x[0][1] * a[k][1] + x[0][2] - b[k][0];
    const v = x[1][0] * a[k][0] + x[1][1] * a[k][1] + x[1][2] - b[k][1];
    sum += u * u + v * v;
  }
  return Math.sqrt(sum / a.length);
}

const median = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(root: string, out: string): Promise<Frame[]> {
  const cache = path.join(out, 'frames.json');
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Frame[];
  const labels = parseLivenessLabels(readFileSync(path.join(root, 'labels.csv'), 'utf8'));
  const models = starterModelsDir();
  if (!models) throw new Error('needs the npm package faceplugin-face-recognition-js (its model/ folder)');
  const analyzer = await FaceAnalyzer.load({ pack: 'open', threads: 1 });
  const lm = await createModelSession(path.join(models, 'fr_landmark.onnx'), { intraOpNumThreads: 1 });
  const eye = await createModelSession(path.join(models, 'fr_eye.onnx'), { intraOpNumThreads: 1 });
  const frames: Frame[] = [];
  try {
    for (const l of labels) {
      const frame: Frame = { file: l.file, label: l.label, attackType: l.attackType, source: l.source };
      const { image, result } = await analyzeFile(analyzer, path.join(root, 'images', l.file), {
        maxFaces: 1,
        embed: false,
        liveness: false,
      });
      const face = result.faces[0];
      if (face) {
        frame.points = face.landmarks.map((p) => [p.x, p.y] as [number, number]);
        // fr_landmark.js: the box made square on its height, 64x64 grey / 256, points in [0, 1].
        const side = face.box.y2 - face.box.y1;
        const x0 = Math.round((face.box.x1 + face.box.x2) / 2 - side / 2);
        const y0 = Math.round((face.box.y1 + face.box.y2) / 2 - side / 2);
        const o = await runFloat32(lm, greySquare(image, x0, y0, side, 64, 256), [1, 1, 64, 64]);
        const p = Object.values(o)[0];
        const pt = (k: number): [number, number] => [x0 + p[2 * k] * side, y0 + p[2 * k + 1] * side];
        const closed: number[] = [];
        for (const a of [36, 42]) {
          // fr_eye.js getEyeBBox: centre = mean of points a+1, a+2, a+4, a+5; side = (x[a+3] - x[a]) * 1.6.
          const cx = (pt(a + 1)[0] + pt(a + 2)[0] + pt(a + 4)[0] + pt(a + 5)[0]) / 4;
          const cy = (pt(a + 1)[1] + pt(a + 2)[1] + pt(a + 4)[1] + pt(a + 5)[1]) / 4;
          const size = Math.max(4, (pt(a + 3)[0] - pt(a)[0]) * 1.6);
          const e = Object.values(
            await runFloat32(
              eye,
              greySquare(image, cx - size / 2, cy - size / 2, size, 24, 255),
              [1, 1, 24, 24],
            ),
          )[0];
          closed.push(1 / (1 + Math.exp(e[1] - e[0])));
        }
        frame.closed = closed as [number, number];
      }
      frames.push(frame);
    }
  } finally {
    await analyzer.release();
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(cache, JSON.stringify(frames));
  return frames;
}

async function main(): Promise<void> {
  const [root, out] = process.argv.slice(2);
  if (!root || !out) {
    console.error('usage: npx tsx bench/dev-liveness-checks.ts DATASET_DIR OUT_DIR');
    process.exit(64);
  }
  const frames = await measure(root, out);
  const time = (f: Frame) => Number(/#t=([0-9.]+)/.exec(f.source)?.[1] ?? 0);
  const clips = new Map<string, Frame[]>();
  for (const f of frames) {
    if (!f.points) continue;
    const key = f.source.split('#')[0] || f.file;
    clips.set(key, [...(clips.get(key) ?? []), f]);
  }
  const residuals = new Map<string, number[]>();
  const eyes = new Map<string, { frames: number; closed: number; clips: number; blinkClips: number }>();
  for (const list of clips.values()) {
    list.sort((a, b) => time(a) - time(b));
    const species = speciesOf(list[0]);
    const e = eyes.get(species) ?? { frames: 0, closed: 0, clips: 0, blinkClips: 0 };
    const shut = list.map((f) => Math.min(...(f.closed ?? [0, 0])) > 0.5);
    e.frames += list.length;
    e.closed += shut.filter(Boolean).length;
    if (list.length > 1) {
      e.clips++;
      if (shut.some(Boolean) && !shut.every(Boolean)) e.blinkClips++;
      const per: number[] = [];
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1].points as [number, number][];
        const b = list[i].points as [number, number][];
        per.push(affineResidual(a, b) / Math.hypot(b[1][0] - b[0][0], b[1][1] - b[0][1]));
      }
      residuals.set(species, [...(residuals.get(species) ?? []), median(per)]);
    }
    eyes.set(species, e);
  }
  console.log('landmark micro-motion: per-clip median affine residual / eye distance (multi-frame clips)');
  for (const [species, v] of residuals) {
    console.log(
      `  ${species.padEnd(14)} ${v.length} clips: median ${median(v).toFixed(3)}, range ${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)}, under 0.025: ${v.filter((x) => x < 0.025).length}`,
    );
  }
  const live = residuals.get('live_camera') ?? [];
  const replay = residuals.get('screen_replay') ?? [];
  let wins = 0;
  for (const l of live) for (const r of replay) wins += l > r ? 1 : l === r ? 0.5 : 0;
  if (live.length && replay.length)
    console.log(`  AUC live camera > screen replay: ${(wins / (live.length * replay.length)).toFixed(3)}`);
  console.log('eye state (fr_eye, both eyes closed = min p(closed) > 0.5):');
  for (const [species, e] of eyes) {
    console.log(
      `  ${species.padEnd(14)} frames with both eyes closed ${e.closed}/${e.frames}; multi-frame clips with a blink (closed and open frames) ${e.blinkClips}/${e.clips}`,
    );
  }
}

await main();
