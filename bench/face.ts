import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Tensor } from 'onnxruntime-node';
import { FaceAnalyzer, type AnalyzedFace, type AnalyzeResult } from '../src/core/face';
import {
  alignFace,
  cropImage,
  decodeImage,
  encodeJpeg,
  letterboxToTensor,
  resizeBilinear,
  resizeToTensor,
  tensorChannels,
  toTensor,
} from '../src/core/image';
import type { RgbImage } from '../src/core/image/types';
import {
  createModelSession,
  listPacks,
  resolvePack,
  type ModelSession,
  type ResolvedModel,
} from '../src/core/models';
import { sharedFacesDir } from './shared-faces';
import {
  milliseconds as ms,
  summarise,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  type BenchSuite,
} from './suite';

/** Single-person photo the 640x480 frame is cut from, and the group photo (../shared/faces). */
const framePhoto = 'img18.jpg';
const groupPhoto = 'group/selfie-many-people.jpg';
const warmup = 5;

function facesDir(): string {
  return sharedFacesDir(framePhoto);
}

/** A 640x480 camera-like frame: the photo scaled to cover 640x480, centre crop. */
function cameraFrame(photo: RgbImage): RgbImage {
  const scale = Math.max(640 / photo.width, 480 / photo.height);
  const resized = resizeBilinear(photo, Math.round(photo.width * scale), Math.round(photo.height * scale));
  return cropImage(resized, (resized.width - 640) / 2, (resized.height - 480) / 2, 640, 480);
}

async function timeIt(iterations: number, task: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await task();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  return times;
}

/** One model of the pack with the input the pipeline gives it, for timing session.run alone. */
interface RawModel {
  label: string;
  session: ModelSession;
  feeds: Record<string, Tensor>;
  /** How many runs of it one analyze() makes on the scene. */
  runsPerAnalyze: number;
  times: number[];
}

async function rawModels(packId: string, analyzer: FaceAnalyzer, image: RgbImage, faces: AnalyzedFace[]) {
  const pack = await resolvePack(packId);
  const models: RawModel[] = [];
  const add = async (
    label: string,
    model: ResolvedModel,
    input: Float32Array,
    dims: number[],
    runs: number,
  ) => {
    const session = await createModelSession(model.path);
    const feeds = { [session.inputNames[0]]: new Tensor('float32', input, dims) };
    models.push({ label, session, feeds, runsPerAnalyze: runs, times: [] });
  };
  const det = pack.detector.spec.input;
  const { width, height } = analyzer.info.detSize;
  await add(
    pack.detector.spec.id,
    pack.detector,
    letterboxToTensor(image, width, height, det).data,
    [1, 3, height, width],
    1,
  );
  if (pack.landmarks && faces.length > 0) {
    const lm = pack.landmarks.spec.input;
    const box = faces[0].box;
    const side = Math.round(box.y2 - box.y1);
    const crop = cropImage(image, (box.x1 + box.x2 - side) / 2, (box.y1 + box.y2 - side) / 2, side, side);
    const dims = [1, tensorChannels(lm), lm.height, lm.width];
    await add(
      pack.landmarks.spec.id,
      pack.landmarks,
      resizeToTensor(crop, lm.width, lm.height, lm),
      dims,
      faces.length,
    );
  }
  // Every recognizer of the pack: a fused one runs each of its models on every crop.
  for (const recognizer of faces.length > 0 ? [pack.recognizer, ...pack.fused] : []) {
    const rec = recognizer.spec.input;
    const crops = faces.map((f) => alignFace(image, f.landmarks, rec.width).image);
    const plane = 3 * rec.width * rec.height;
    const batched = typeof (await batchDimension(recognizer)) !== 'number';
    const batch = batched ? crops.length : 1;
    const input = new Float32Array(batch * plane);
    crops.slice(0, batch).forEach((c, i) => toTensor(c, rec, input.subarray(i * plane, (i + 1) * plane)));
    const label = `${recognizer.spec.id}${batch > 1 ? ` x${batch} batch` : ''}`;
    await add(label, recognizer, input, [batch, 3, rec.height, rec.width], batched ? 1 : faces.length);
  }
  return models;
}

interface SceneMeasurement {
  scene: string;
  faces: number;
  decode: number[];
  analyze: AnalyzeResult['timings'][];
  /** CPU time (user + system, all threads of the process) of each analyze(), ms. */
  analyzeCpu: number[];
  rawRuns: Record<string, number>;
  rawSum: number;
}

/**
 * analyze() and each model's session.run alone, interleaved iteration by iteration so that a
 * change in machine load affects both sides of the overhead ratio alike.
 */
async function measureScene(
  analyzer: FaceAnalyzer,
  packId: string,
  scene: string,
  image: RgbImage,
  encoded: Buffer,
  options: BenchOptions,
): Promise<SceneMeasurement> {
  const iterations = options.iterations;
  const decode = await timeIt(iterations, () => decodeImage(encoded, scene));
  const { faces } = await analyzer.analyze(image);
  const models = await rawModels(packId, analyzer, image, faces);
  const timings: AnalyzeResult['timings'][] = [];
  const analyzeCpu: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const cpuBefore = process.cpuUsage();
      const result = await analyzer.analyze(image);
      const cpu = process.cpuUsage(cpuBefore);
      if (i >= warmup) {
        timings.push(result.timings);
        analyzeCpu.push((cpu.user + cpu.system) / 1000);
      }
      for (const model of models) {
        const start = performance.now();
        await model.session.run(model.feeds);
        if (i >= warmup) model.times.push(performance.now() - start);
      }
    }
  } finally {
    for (const model of models) await model.session.release();
  }
  const rawRuns: Record<string, number> = {};
  let rawSum = 0;
  for (const model of models) {
    const median = summarise(model.times).median;
    rawRuns[model.label] = median;
    rawSum += median * model.runsPerAnalyze;
  }
  return { scene, faces: faces.length, decode, analyze: timings, analyzeCpu, rawRuns, rawSum };
}

async function batchDimension(model: ResolvedModel): Promise<number | string | undefined> {
  const session = await createModelSession(model.path);
  try {
    return session.inputMetadata[0]?.shape[0];
  } finally {
    await session.release();
  }
}

function rowFor(pack: string, m: SceneMeasurement): BenchRow {
  const stat = (values: number[]) => {
    const { median, p95 } = summarise(values);
    return { median: ms(median), p95: ms(p95) };
  };
  const stage = (name: 'detect' | 'align' | 'embed' | 'total') => stat(m.analyze.map((t) => t[name]));
  const analyze = stage('total');
  return {
    pack,
    scene: m.scene,
    faces: m.faces,
    'decode p50': stat(m.decode).median,
    'decode p95': stat(m.decode).p95,
    'detect p50': stage('detect').median,
    'detect p95': stage('detect').p95,
    'align p50': stage('align').median,
    'align p95': stage('align').p95,
    'embed p50': stage('embed').median,
    'embed p95': stage('embed').p95,
    'analyze p50': analyze.median,
    'analyze p95': analyze.p95,
    'analyze cpu p50': stat(m.analyzeCpu).median,
    'sum(run) p50': ms(m.rawSum),
    overhead: Number((summarise(m.analyze.map((t) => t.total)).median / m.rawSum).toFixed(3)),
  };
}

/**
 * The face pipeline per pack: decode, detect, align, embed and whole analyze() on a 640x480
 * one-face frame and on a group photo; each model's session.run alone; and the overhead ratio
 * analyze / sum(session.run).
 */
export const faceSuite: BenchSuite = {
  name: 'face',
  summary: 'Face pipeline per pack: stage times, raw model runs and overhead ratio',
  async run(options: BenchOptions): Promise<BenchReport> {
    const dir = facesDir();
    const photo = await decodeImage(path.join(dir, framePhoto));
    const frame = cameraFrame(photo);
    const group = await decodeImage(path.join(dir, groupPhoto));
    const scenes = [
      { scene: '640x480 one face', image: frame, encoded: await encodeJpeg(frame, 90) },
      { scene: `group ${group.width}x${group.height}`, image: group, encoded: await encodeJpeg(group, 90) },
    ];
    const packs = options.packs.length
      ? options.packs
      : (await listPacks()).filter((p) => p.available).map((p) => p.id);
    const rows: BenchRow[] = [];
    const details: unknown[] = [];
    for (const pack of packs) {
      options.log(`face: pack ${pack}`);
      const analyzer = await FaceAnalyzer.load({ pack });
      try {
        for (const { scene, image, encoded } of scenes) {
          const m = await measureScene(analyzer, pack, scene, image, encoded, options);
          rows.push(rowFor(pack, m));
          details.push({ pack, ...m, models: analyzer.info.models });
          options.log(`face: ${pack} / ${scene}: raw runs ${JSON.stringify(m.rawRuns)}`);
        }
      } finally {
        await analyzer.release();
      }
    }
    return {
      suite: 'face',
      rows,
      notes: [
        'Milliseconds (median p50, 95th percentile p95). decode: JPEG bytes of the scene to RGB.',
        'analyze: FaceAnalyzer.analyze (detect + align + embed of every face). sum(run): session.run of each',
        'model alone on the same inputs (every model of a fused recognizer), times the runs analyze makes.',
        'overhead = analyze p50 / sum(run). analyze cpu: CPU time (user + system, every thread) of one',
        'analyze(): the work done, far steadier than wall time when other processes share the cores.',
        'Targets: overhead <= 1.15; pack open, 640x480 one face, analyze < 30 ms on 2 cores.',
        `Frame: ${framePhoto} scaled to cover 640x480, centre crop; group: ${groupPhoto}.`,
        'Other processes on the machine make these figures noisy.',
      ],
      details,
    };
  },
};
