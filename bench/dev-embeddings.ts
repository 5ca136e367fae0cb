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
 *
 * Options (a new OUT folder for each choice: a cache resumes only with the same recognizers):
 *   --only ID,ID          these catalog recognizers instead of all four ('' for none; the first one's
 *                         embedder aligns; flip averaging as above when an id is one of the first two)
 *   --model NAME=FILE@ID  one more recognizer from a file outside the catalog, with catalog model ID's
 *                         preprocessing (e.g. an int8 file made by scripts/quantize-int8.py):
 *                         NAME.f32 in OUT, no mirrored embedding (NAME.flip.f32 is zeros)
 *
 *   nice -n 10 npx tsx bench/dev-embeddings.ts ../shared/datasets/lfw-dev /tmp/w4-int8/lfw-dev \
 *     --only mobilefacenet-paddle --model paddle-int8=/tmp/w4-int8/models/MobileFaceNet_int8_qdq.onnx@mobilefacenet-paddle
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

interface DevRecognizer {
  /** File stem in the cache. */
  name: string;
  /** Catalog model whose preprocessing it uses. */
  specId: string;
  /** The file when it is not the catalog's. */
  file?: string;
  /** Also embed the mirrored crop. */
  withFlip: boolean;
}

/** The recognizers of a run: the four catalog ones, or --only's, plus each --model. */
function devRecognizerList(args: readonly string[]): DevRecognizer[] {
  const only = args.includes('--only')
    ? (args[args.indexOf('--only') + 1] ?? '').split(',').filter(Boolean)
    : undefined;
  const list: DevRecognizer[] = (only ?? devRecognizers).map((id) => ({
    name: id,
    specId: id,
    // Flip averaging is a candidate for the two BGR recognizers only (the default's candidates).
    withFlip: (devRecognizers.slice(0, 2) as readonly string[]).includes(id),
  }));
  args.forEach((arg, i) => {
    if (arg !== '--model') return;
    const match = /^([a-z0-9._-]+)=(.+)@([a-z0-9._-]+)$/.exec(args[i + 1] ?? '');
    if (!match) throw new Error(`--model wants NAME=FILE@CATALOG_ID, got '${args[i + 1] ?? ''}'`);
    list.push({ name: match[1], file: match[2], specId: match[3], withFlip: false });
  });
  if (list.length === 0) throw new Error('no recognizer to run');
  return list;
}

async function main(): Promise<void> {
  const [root, out, ...options] = process.argv.slice(2);
  if (!root || !out || root.startsWith('--') || out.startsWith('--'))
    throw new Error('usage: dev-embeddings.ts DATASET_DIR OUT_DIR [--only ID,...] [--model NAME=FILE@ID]...');
  const recognizers = devRecognizerList(options);
  mkdirSync(out, { recursive: true });
  const files = imagesOf(root);
  const threads = Number(process.env.THREADS ?? 1);
  const analyzer = await FaceAnalyzer.load({ pack: 'open_single', threads });
  const catalog = loadCatalog();
  const searchPath = modelSearchPath();
  await resolvePack('open_single');
  const embedders: ArcFaceEmbedder[] = [];
  for (const r of recognizers) {
    const spec = findModelSpec(catalog, r.specId);
    if (!spec) throw new Error(`model ${r.specId} is not in the catalog`);
    const file = r.file ?? locateModel(spec, searchPath);
    if (!file || !existsSync(file)) throw new Error(`model ${r.name} not found (${file ?? spec.fileName})`);
    embedders.push(new ArcFaceEmbedder(await createModelSession(file, { intraOpNumThreads: threads }), spec));
  }
  const vectors = recognizers.map(() => ({ plain: [] as Float32Array[], flip: [] as Float32Array[] }));
  let index: unknown[] = [];
  // Resume from the last checkpoint.
  if (existsSync(path.join(out, 'index.json'))) {
    index = (JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as { images: unknown[] }).images;
    recognizers.forEach(({ name: id }, k) => {
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
    recognizers.forEach(({ name: id }, k) => {
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
      const withFlip = recognizers[k].withFlip;
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
