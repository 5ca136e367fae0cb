/**
 * Every liveness opinion FaceGate could form on each frame of a liveness dev set, cached, so rules can
 * be compared without re-running the models (issue 12, docs/liveness.md "The remaining targets"):
 * per frame the `open` pack's YuNet box, each MiniFASNet model's score on upstream's crop (also when
 * the judge rule would not judge it) with the context margin it leaves, the same models on a crop
 * that is centred and reflect-101 padded at the frame edge instead of shifted inside, the second
 * opinion (face-antispoof-onnx) and the starter pack's fr_liveness on the same YuNet box.
 *
 *   nice -n 10 npx tsx bench/dev-liveness-opinions.ts ../shared/datasets/spoof-dev /tmp/w4-liveness/opinions
 *
 * Writes OUT/frames.json (reused when present). The analysis is bench/dev-liveness-rules.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FaceAnalyzer } from '../src/core/face/face-analyzer';
import { analyzeFile } from '../src/core/face';
import { parseLivenessLabels } from '../src/core/face/liveness';
import { LivenessModel } from '../src/core/face/liveness/liveness-model';
import { SecondOpinionModel } from '../src/core/face/liveness/second-opinion';
import { reflect101 } from '../src/core/face/liveness/square-crop';
import type { Box } from '../src/core/face/types';
import type { RgbImage } from '../src/core/image';
import { createModelSession, resolvePack } from '../src/core/models';

export interface OpinionFrame {
  file: string;
  label: 'real' | 'spoof';
  attackType: string;
  source: string;
  width: number;
  height: number;
  detScore?: number;
  box?: Box;
  /** Per MiniFASNet model (2.7x, 4.0x): score on upstream's crop, its context margin, applied scale. */
  pair?: { id: string; score: number; margin: number; appliedScale: number; padded: number }[];
  /** Mean of the pair on upstream's crop, and on the centred reflect-padded crop. */
  pairScore?: number;
  pairPadded?: number;
  second?: number;
  /** The starter pack's fr_liveness on the YuNet box (its yunet box adapter), and its margin. */
  starter?: number;
  starterMargin?: number;
}

/** The image reflect-101 padded by `pad` pixels on every side. */
function padImage(image: RgbImage, pad: number): RgbImage {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = reflect101(y - pad, image.height);
    for (let x = 0; x < width; x++) {
      const sx = reflect101(x - pad, image.width);
      const s = (sy * image.width + sx) * 3;
      const d = (y * width + x) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { width, height, data };
}

function margin(face: Box, rect: { left: number; top: number; right: number; bottom: number }): number {
  const w = face.x2 - face.x1;
  const h = face.y2 - face.y1;
  return Math.min(
    (face.x1 - rect.left) / w,
    (rect.right + 1 - face.x2) / w,
    (face.y1 - rect.top) / h,
    (rect.bottom + 1 - face.y2) / h,
  );
}

async function main(): Promise<void> {
  const [root, out] = process.argv.slice(2);
  if (!root || !out) {
    console.error('usage: npx tsx bench/dev-liveness-opinions.ts DATASET_DIR OUT_DIR');
    process.exit(64);
  }
  const cache = path.join(out, 'frames.json');
  if (existsSync(cache)) {
    console.log(`cached: ${cache}`);
    return;
  }
  const labels = parseLivenessLabels(readFileSync(path.join(root, 'labels.csv'), 'utf8'));
  const analyzer = await FaceAnalyzer.load({ pack: 'open', threads: 1 });
  const open = await resolvePack('open');
  const starterPack = await resolvePack('starter');
  const opts = { intraOpNumThreads: 1 };
  const pair = await Promise.all(
    open.liveness.map(async (m) => new LivenessModel(await createModelSession(m.path, opts), m.spec)),
  );
  if (!open.secondOpinion || !starterPack.liveness[0])
    throw new Error('needs the second opinion and fr_liveness');
  const second = new SecondOpinionModel(
    await createModelSession(open.secondOpinion.path, opts),
    open.secondOpinion.spec,
  );
  const starter = new LivenessModel(
    await createModelSession(starterPack.liveness[0].path, opts),
    starterPack.liveness[0].spec,
  );
  const frames: OpinionFrame[] = [];
  try {
    for (const l of labels) {
      const { image, result } = await analyzeFile(analyzer, path.join(root, 'images', l.file), {
        maxFaces: 1,
        embed: false,
        liveness: false,
      });
      const frame: OpinionFrame = {
        file: l.file,
        label: l.label,
        attackType: l.attackType,
        source: l.source,
        width: image.width,
        height: image.height,
      };
      const face = result.faces[0];
      if (face) {
        frame.detScore = Number(face.score.toFixed(4));
        frame.box = face.box;
        frame.pair = [];
        for (const model of pair) {
          const view = model.view(image, face.box, 'yunet');
          const score = await model.liveProbability(image, view.crop);
          // Centred crop, the frame reflect-padded where the crop leaves it (no clamp, no shift).
          const pad = Math.ceil(
            Math.max(face.box.x2 - face.box.x1, face.box.y2 - face.box.y1) * model.layout.cropScale,
          );
          const padded = padImage(image, pad);
          const shifted: Box = {
            x1: face.box.x1 + pad,
            y1: face.box.y1 + pad,
            x2: face.box.x2 + pad,
            y2: face.box.y2 + pad,
          };
          const pview = model.view(padded, shifted, 'yunet');
          const paddedScore = await model.liveProbability(padded, pview.crop);
          frame.pair.push({
            id: model.modelId,
            score: Number(score.toFixed(5)),
            margin: Number(margin(view.face, view.crop.rect).toFixed(4)),
            appliedScale: Number(view.crop.appliedScale.toFixed(3)),
            padded: Number(paddedScore.toFixed(5)),
          });
        }
        frame.pairScore = Number((frame.pair.reduce((a, p) => a + p.score, 0) / pair.length).toFixed(5));
        frame.pairPadded = Number((frame.pair.reduce((a, p) => a + p.padded, 0) / pair.length).toFixed(5));
        frame.second = Number((await second.liveProbability(image, face.box)).toFixed(5));
        const sview = starter.view(image, face.box, 'yunet');
        frame.starter = Number((await starter.liveProbability(image, sview.crop)).toFixed(5));
        frame.starterMargin = Number(margin(sview.face, sview.crop.rect).toFixed(4));
      }
      frames.push(frame);
    }
  } finally {
    await analyzer.release();
    await Promise.all([...pair.map((m) => m.release()), second.release(), starter.release()]);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(cache, JSON.stringify(frames, null, 1));
  console.log(`wrote ${frames.length} frames to ${cache}`);
}

void main();
