/**
 * The MiniFASNet pair's intra-op threads, paired: two open_single analyzers with their liveness
 * stage, the pair on two threads against the default (one), frames interleaved, one-face 640x480
 * frame. Prints the liveness stage, the whole analyze() and its CPU per frame (p50 and quartiles).
 *
 *   FACEGATE_MODELS_PATH=../shared/models npx tsx bench/liveness-threads.ts
 */
import { readFileSync } from 'node:fs';
import { FaceAnalyzer } from '../src/core/face';
import { attachLiveness } from '../src/core/face/liveness/load';
import { resolvePack } from '../src/core/models';
import { decodeImage } from '../src/core/image';
import { cameraFrame, identityPhotos } from './shared-faces';
async function main() {
  const photo = await decodeImage(readFileSync(identityPhotos()[0].path), identityPhotos()[0].file);
  const frame = cameraFrame(photo, 'contain');
  const runs: Record<string, FaceAnalyzer> = {};
  for (const t of [2, undefined]) {
    const analyzer = await FaceAnalyzer.load({ pack: 'open_single' });
    await attachLiveness(analyzer, await resolvePack('open_single'), (t ? { threads: t } : {}) as never);
    runs[t ? 'pair 2 threads' : 'pair 1 thread (default)'] = analyzer;
  }
  const stages: Record<string, Record<string, number[]>> = {};
  for (let i = 0; i < 160; i++)
    for (const [name, analyzer] of Object.entries(runs)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await analyzer.analyze(frame, { liveness: true, maxFaces: 1, embed: i % 3 === 0 } as never);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i < 10) continue;
      const s = (stages[name] ??= {});
      (s.liveness ??= []).push(r.timings.liveness);
      (s.wall ??= []).push(wall);
      (s.cpu ??= []).push((c.user + c.system) / 1000);
    }
  for (const [name, s] of Object.entries(stages))
    console.log(
      name.padEnd(24),
      Object.entries(s)
        .map(([k, v]) => {
          v.sort((a, b) => a - b);
          return `${k} p50 ${v[v.length >> 1].toFixed(2)} (q1 ${v[v.length >> 2].toFixed(2)}, q3 ${v[(3 * v.length) >> 2].toFixed(2)})`;
        })
        .join('  '),
    );
}
void main();
