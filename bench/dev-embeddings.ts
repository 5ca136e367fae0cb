/**
 * Per-image detections, quality figures and embeddings of a dev set, for every recognizer, cached
 * on disk so that comparing packs, fusions, flip averaging and gates costs nothing after one pass.
 *
 *   nice -n 10 npx tsx bench/dev-embeddings.ts ../shared/datasets/lfw-dev /tmp/i11-recognition/lfw-dev
 *
 * Detection: YuNet (the detector of every commercially usable pack) at its pack threshold, retried
 * at 0.2 when no face passes (as `facegate eval` does). Alignment: the ArcFace 5-point warp to
 * 112x112, shared by every recognizer. Each recognizer embeds the crop and its mirror image; both
 * are stored (L2-normalised), so flip averaging is normalise(e + e_flip).
 *
 * Output in OUT/: index.json (per image: faces, main-face quality, retry flag) and one
 * <model>.f32 / <model>.flip.f32 per recognizer (row i = image i of index.json; zeros = no face).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArcFaceEmbedder } from '../src/core/face/arcface-embedder';
import { FaceAnalyzer } from '../src/core/face/face-analyzer';
import { poseFromLandmarks, measureFace } from '../src/core/gallery/quality';
import { decodeImage, flipHorizontal } from '../src/core/image';
import { createModelSession, resolvePack } from '../src/core/models';
import { findModelSpec, loadCatalog } from '../src/core/models/catalog';
import { locateModel } from '../src/core/models/locate';
import { modelSearchPath } from '../src/core/models/search-path';

export const devRecognizers = [
  // The first two are also embedded mirrored (flip averaging).
  'mobilefacenet-paddle',
  'faceplugin-arcface-512',
  'mobilefacenet-foamliu',
  'w600k-mbf-deq',
] as const;

/**
 * The images of pairs.csv in the order of a seeded shuffle of the pairs, then those of labels.csv:
 * any prefix of the cache holds complete pairs of a random subset, so a partial run can be read.
 */
function imagesOf(root: string): string[] {
  const files = new Set<string>();
  const rows = (name: string) => {
    const file = path.join(root, name);
    return existsSync(file)
      ? readFileSync(file, 'utf8')
          .trim()
          .split(/\r?\n/)
          .slice(1)
          .map((l) => l.split(','))
      : [];
  };
  const pairs = rows('pairs.csv');
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  for (const [a, b] of pairs) {
    files.add(a);
    files.add(b);
  }
  for (const [file] of rows('labels.csv')) files.add(file);
  return [...files];
}

async function main(): Promise<void> {
  const [root, out] = process.argv.slice(2);
  if (!root || !out) throw new Error('usage: dev-embeddings.ts DATASET_DIR OUT_DIR');
  mkdirSync(out, { recursive: true });
  const files = imagesOf(root);
  const threads = Number(process.env.THREADS ?? 1);
  const analyzer = await FaceAnalyzer.load({ pack: 'open_single', threads });
  const catalog = loadCatalog();
  const searchPath = modelSearchPath();
  await resolvePack('open_single');
  const embedders: ArcFaceEmbedder[] = [];
  for (const id of devRecognizers) {
    const spec = findModelSpec(catalog, id)!;
    const file = locateModel(spec, searchPath);
    if (!file) throw new Error(`model ${id} not found`);
    embedders.push(new ArcFaceEmbedder(await createModelSession(file, { intraOpNumThreads: threads }), spec));
  }
  const vectors = devRecognizers.map(() => ({ plain: [] as Float32Array[], flip: [] as Float32Array[] }));
  let index: unknown[] = [];
  // Resume from the last checkpoint.
  if (existsSync(path.join(out, 'index.json'))) {
    index = (JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as { images: unknown[] }).images;
    devRecognizers.forEach((id, k) => {
      for (const [kind, name] of [
        ['plain', `${id}.f32`],
        ['flip', `${id}.flip.f32`],
      ] as const) {
        const buf = readFileSync(path.join(out, name));
        const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        const size = flat.length / index.length;
        for (let r = 0; r < index.length; r++) vectors[k][kind].push(flat.slice(r * size, (r + 1) * size));
      }
    });
  }
  const write = (name: string, rows: Float32Array[]) => {
    const size = rows.reduce((s, r) => s + r.length, 0);
    const flat = new Float32Array(size);
    let offset = 0;
    for (const r of rows) {
      flat.set(r, offset);
      offset += r.length;
    }
    writeFileSync(path.join(out, name), Buffer.from(flat.buffer));
  };
  const checkpoint = () => {
    devRecognizers.forEach((id, k) => {
      write(`${id}.f32`, vectors[k].plain);
      write(`${id}.flip.f32`, vectors[k].flip);
    });
    writeFileSync(path.join(out, 'index.json'), JSON.stringify({ root, images: index }));
  };
  const started = Date.now();
  for (const [i, file] of files.entries()) {
    if (i < index.length) continue;
    const image = await decodeImage(path.join(root, file));
    let result = await analyzer.analyze(image, { embed: false });
    let retried = false;
    if (!result.faces.length) {
      result = await analyzer.analyze(image, { embed: false, detThreshold: 0.2 });
      retried = true;
    }
    const main = result.faces[0];
    if (main) main.aligned = embedders[0].align(image, main.landmarks);
    const faces = result.faces.map((f) => ({
      score: f.score,
      box: f.box,
      interEyePx: poseFromLandmarks(f.landmarks).interEyePx,
    }));
    index.push({
      file,
      width: image.width,
      height: image.height,
      retried,
      faces,
      quality: main ? measureFace(main) : null,
    });
    for (const [k, embedder] of embedders.entries()) {
      if (!main?.aligned) {
        const zero = new Float32Array(embedder.embeddingSize ?? 512);
        vectors[k].plain.push(zero);
        vectors[k].flip.push(zero);
        continue;
      }
      // Flip averaging is a candidate for the two BGR recognizers only (the default's candidates).
      const withFlip = k < 2;
      const [plain, flip] = await embedder.embed(
        withFlip ? [main.aligned, flipHorizontal(main.aligned)] : [main.aligned],
      );
      vectors[k].plain.push(plain);
      vectors[k].flip.push(flip ?? new Float32Array(plain.length));
    }
    if (i % 200 === 0 || i === files.length - 1) {
      process.stderr.write(`${i}/${files.length} ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      checkpoint();
    }
  }
  process.stderr.write(`done ${files.length} images in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  await analyzer.release();
}

await main();
