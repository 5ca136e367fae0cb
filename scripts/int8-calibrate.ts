/**
 * The onnxruntime-node half of scripts/quantize-int8.py (Python has no onnxruntime here):
 *
 *   ranges:  npx tsx scripts/int8-calibrate.ts ranges MODEL_ID AUGMENTED.onnx IMAGES.txt ROOT OUT.json
 *            Runs the float model, every tensor to be quantised exposed as an output, on the
 *            calibration crops and writes each output's min, max, histogram and per-channel min/max (JSON).
 *   fused:   npx tsx scripts/int8-calibrate.ts fused MODEL.onnx OPTIMISED.onnx
 *            Opens MODEL.onnx as FaceGate does (graph optimisation 'all', CPU) and saves the graph
 *            ONNX Runtime actually runs, so the script can count the QLinear nodes it fused.
 *
 * Calibration crops are made exactly as the app makes them: YuNet (the open_single detector,
 * retried at 0.2 when nothing passes, as bench/dev-embeddings.ts does), the main face, the
 * ArcFace 5-point warp to the model's input size, the catalog's mean/std/channel order.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { FaceAnalyzer } from '../src/core/face/face-analyzer';
import { alignFace, decodeImage, toTensor } from '../src/core/image';
import { findModelSpec, loadCatalog } from '../src/core/models/catalog';

const bins = 2048;

async function ranges(modelId: string, augmented: string, list: string, root: string, out: string) {
  const spec = findModelSpec(loadCatalog(), modelId);
  if (!spec) throw new Error(`model '${modelId}' is not in the catalog`);
  if (spec.kind !== 'arcface')
    throw new Error(`calibration crops are made for ArcFace-style recognizers only, not '${spec.kind}'`);
  const files = readFileSync(list, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (files.length === 0) throw new Error(`${list} names no image`);
  const analyzer = await FaceAnalyzer.load({ pack: 'open_single', threads: 1 });
  const session = await ort.InferenceSession.create(augmented, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    // The float graph as written: no fusion may hide or merge a tensor being measured.
    graphOptimizationLevel: 'disabled',
    logSeverityLevel: 3,
  });
  const side = spec.input.width;
  const feeds: ort.Tensor[] = [];
  for (const file of files) {
    const image = await decodeImage(path.join(root, file));
    let result = await analyzer.analyze(image, { embed: false });
    if (!result.faces.length) result = await analyzer.analyze(image, { embed: false, detThreshold: 0.2 });
    const face = result.faces[0];
    if (!face) {
      process.stderr.write(`no face in ${file}: skipped\n`);
      continue;
    }
    const crop = alignFace(image, face.landmarks, side).image;
    feeds.push(new ort.Tensor('float32', toTensor(crop, spec.input), [1, 3, side, side]));
  }
  // Pass 1: each tensor's min and max. Pass 2: its histogram over [min, max] (bins equal steps), from
  // which the script picks the clipping range (min/max, or the one that minimises the squared error).
  const found: Record<
    string,
    { min: number; max: number; histogram: number[]; channelMin?: number[]; channelMax?: number[] }
  > = {};
  for (const pass of [1, 2])
    for (const feed of feeds) {
      const outputs = await session.run({ [session.inputNames[0]]: feed });
      for (const [name, tensor] of Object.entries(outputs)) {
        const data = tensor.data as Float32Array;
        if (pass === 1) {
          let lo = Infinity;
          let hi = -Infinity;
          for (let i = 0; i < data.length; i++) {
            if (data[i] < lo) lo = data[i];
            if (data[i] > hi) hi = data[i];
          }
          const r = (found[name] ??= { min: lo, max: hi, histogram: new Array<number>(bins).fill(0) });
          r.min = Math.min(r.min, lo);
          r.max = Math.max(r.max, hi);
          // Per channel of an NCHW tensor: what scripts/quantize-int8.py equalizes channels with.
          if (tensor.dims.length === 4) {
            const [, channels, h, w] = tensor.dims;
            r.channelMin ??= new Array<number>(channels).fill(Infinity);
            r.channelMax ??= new Array<number>(channels).fill(-Infinity);
            for (let c = 0; c < channels; c++)
              for (let i = c * h * w; i < (c + 1) * h * w; i++) {
                if (data[i] < r.channelMin[c]) r.channelMin[c] = data[i];
                if (data[i] > r.channelMax[c]) r.channelMax[c] = data[i];
              }
          }
        } else {
          const { min, max, histogram } = found[name];
          const width = (max - min) / bins || 1;
          for (let i = 0; i < data.length; i++)
            histogram[Math.min(bins - 1, Math.floor((data[i] - min) / width))]++;
        }
      }
    }
  const used = feeds.length;
  await session.release();
  await analyzer.release();
  writeFileSync(out, JSON.stringify({ images: used, ranges: found }));
  process.stderr.write(`calibrated ${Object.keys(found).length} tensors on ${used} crops\n`);
}

async function fused(model: string, optimised: string) {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: optimised,
    logSeverityLevel: 3,
  });
  await session.release();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'ranges' && args.length === 5) await ranges(args[0], args[1], args[2], args[3], args[4]);
else if (mode === 'fused' && args.length === 2) await fused(args[0], args[1]);
else
  throw new Error(
    'usage: int8-calibrate.ts ranges MODEL_ID AUGMENTED.onnx IMAGES.txt ROOT OUT.json | fused MODEL.onnx OPTIMISED.onnx',
  );
