/**
 * The detector's input shape on camera frames, paired: the pack's detector letterboxing a 640x480
 * frame into its square input against the same model opened at the frame's shape (640x480),
 * interleaved call by call so load changes hit both alike. Prints wall and CPU ms per detect()
 * (median, quartiles) and whether the two found the same faces.
 *
 *   FACEGATE_MODELS_PATH=../shared/models npx tsx bench/detector-shape.ts [--pack open_single] [--frames 80]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FaceAnalyzer } from '../src/core/face';
import { iou } from '../src/core/face/nms';
import { decodeImage } from '../src/core/image';
import { cameraFrame, identityPhotos } from './shared-faces';
import { summarise } from './suite';

async function main() {
  const { values } = parseArgs({ options: { pack: { type: 'string' }, frames: { type: 'string' } } });
  const frames = Number(values.frames ?? 80);
  const photo = identityPhotos()[0];
  const frame = cameraFrame(await decodeImage(readFileSync(photo.path), photo.file), 'contain');
  const shapes = ['square', 'frame'] as const;
  const detectors = await Promise.all(
    shapes.map((detShape) =>
      FaceAnalyzer.loadDetector({ ...(values.pack ? { pack: values.pack } : {}), detShape }),
    ),
  );
  const wall: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  let worstIou = 1;
  for (let i = 0; i < frames + 5; i++) {
    const found = [];
    for (const [k, detector] of detectors.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      found.push(await detector.detect(frame));
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i < 5) continue;
      wall[k].push(t);
      cpu[k].push((c.user + c.system) / 1000);
    }
    worstIou = Math.min(worstIou, iou(found[0][0].box, found[1][0].box));
  }
  for (const [k, shape] of shapes.entries()) {
    const w = summarise(wall[k]);
    const c = summarise(cpu[k]);
    console.log(
      `${shape.padEnd(6)} detect wall p50 ${w.median.toFixed(2)} ms, CPU p50 ${c.median.toFixed(2)} ms (p95 wall ${w.p95.toFixed(2)})`,
    );
  }
  console.log(
    `main face box IoU, square against frame-shaped: worst ${worstIou.toFixed(4)} over ${frames} frames`,
  );
  await Promise.all(detectors.map((d) => d.release()));
}
void main();
