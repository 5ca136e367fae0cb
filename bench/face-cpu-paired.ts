/**
 * CPU time (user + system) per analyze() of the face suite's 640x480 one-face frame, the packs
 * interleaved frame by frame, one ORT thread each: on a machine shared with other work, CPU time is
 * far steadier than wall time (docs/face-pipeline.md, "Speed").
 *
 *   FACEGATE_MODELS_PATH=../shared/models nice -n 10 npx tsx bench/face-cpu-paired.ts
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FaceAnalyzer } from '../src/core/face';
import { decodeImage, resizeBilinear, cropImage } from '../src/core/image';
const photo = await decodeImage(
  await readFile(path.join(process.env.FACEGATE_FACES ?? '../shared/faces', 'img18.jpg')),
  'img18.jpg',
);
const scale = Math.max(640 / photo.width, 480 / photo.height);
const resized = resizeBilinear(photo, Math.round(photo.width * scale), Math.round(photo.height * scale));
const frame = cropImage(resized, (resized.width - 640) / 2, (resized.height - 480) / 2, 640, 480);
const packs = ['open_single', 'open', 'open_bgr'];
const analyzers = await Promise.all(packs.map((pack) => FaceAnalyzer.load({ pack, threads: 1 })));
const cpu: number[][] = packs.map(() => []);
const wall: number[][] = packs.map(() => []);
for (let i = 0; i < 85; i++) {
  for (const [k, a] of analyzers.entries()) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await a.analyze(frame, { embed: true });
    const c = process.cpuUsage(c0);
    const t = performance.now() - t0;
    if (i >= 5) {
      cpu[k].push((c.user + c.system) / 1000);
      wall[k].push(t);
    }
  }
}
const q = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(p * (s.length - 1))];
};
for (const [k, pack] of packs.entries())
  console.log(
    `${pack}: cpu p50 ${q(cpu[k], 0.5).toFixed(1)} ms (p25 ${q(cpu[k], 0.25).toFixed(1)}, p75 ${q(cpu[k], 0.75).toFixed(1)}); wall p50 ${q(wall[k], 0.5).toFixed(1)} ms, min ${Math.min(...wall[k]).toFixed(1)}`,
  );
// paired ratio per iteration
const ratio = cpu[0].map((c, i) => c / cpu[1][i]);
console.log(
  `open_single / open cpu ratio p50 ${q(ratio, 0.5).toFixed(3)} (p25 ${q(ratio, 0.25).toFixed(3)}, p75 ${q(ratio, 0.75).toFixed(3)})`,
);
for (const a of analyzers) await a.release();
