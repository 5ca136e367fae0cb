import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { FaceAnalyzer } from '../src/core/face';
import { attachLiveness } from '../src/core/face/liveness';
import { decodeImage } from '../src/core/image';
import { resolvePack, type ResolvedModel } from '../src/core/models';
import { cameraFrame, identityPhotos } from './shared-faces';
import { summarise, type BenchOptions, type BenchReport, type BenchRow, type BenchSuite } from './suite';

type Level = 'disabled' | 'basic' | 'extended' | 'all';

/** The settings compared per model: graph level x intra-op threads x inter-op threads (execution mode). */
interface Setting {
  level: Level;
  intra: number;
  inter: number;
}
const settings: Setting[] = [
  ...(['basic', 'extended', 'all'] as Level[]).flatMap((level) =>
    [1, 2].map((intra) => ({ level, intra, inter: 1 })),
  ),
  // Parallel execution mode: independent operators on inter-op threads as well.
  { level: 'all', intra: 1, inter: 2 },
  { level: 'all', intra: 2, inter: 2 },
];

/** CPU time of this process (every thread, onnxruntime's pool included) in ms. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

/** A session's fixed input shape (a dynamic dimension gets the model's catalog size or 1). */
function inputDims(session: ort.InferenceSession, model: ResolvedModel): number[] {
  const meta = session.inputMetadata[0] as { shape?: (number | string)[] };
  const spec = model.spec.input as { width?: number; height?: number } | undefined;
  const shape = meta.shape ?? [1, 3, spec?.height ?? 112, spec?.width ?? 112];
  return shape.map((d, i) =>
    typeof d === 'number' && d > 0
      ? d
      : i === 0
        ? 1
        : i === 1
          ? 3
          : i === 2
            ? (spec?.height ?? 640)
            : (spec?.width ?? 640),
  );
}

/**
 * Other files of a pack model, timed beside it (e.g. an int8 file from scripts/quantize-int8.py):
 * FACEGATE_ORT_VARIANTS='FILE@MODEL_ID,...', each FILE taking MODEL_ID's input.
 */
export function ortVariants(value: string | undefined): { file: string; modelId: string }[] {
  if (!value?.trim()) return [];
  return value.split(',').map((item) => {
    const at = item.lastIndexOf('@');
    const file = item.slice(0, at).trim();
    const modelId = item.slice(at + 1).trim();
    if (at <= 0 || !modelId)
      throw new Error(`FACEGATE_ORT_VARIANTS wants FILE@MODEL_ID items separated by commas, got '${item}'`);
    if (!existsSync(file)) throw new Error(`FACEGATE_ORT_VARIANTS: ${file} does not exist`);
    return { file, modelId };
  });
}

/**
 * ONNX Runtime's CPU settings on this machine: each model of the pack (detector, recognizer, the
 * liveness pair, the second opinion) run alone with 1 or 2 intra-op threads and each graph
 * optimisation level, interleaved round by round so that other load on the machine hits every
 * setting alike. Each run is timed in wall time and in process CPU time (user + system, every
 * thread: steadier than wall time on a shared machine). FACEGATE_ORT_VARIANTS adds other files
 * of a model to the same rounds, with their CPU time per round divided by the catalog file's at the
 * same setting (the paired ratio, median over rounds).
 */
export const ortSuite: BenchSuite = {
  name: 'ort',
  summary:
    'ONNX Runtime intra-op threads x graph optimisation level, per model of the pack (session.run alone)',
  async run(options: BenchOptions): Promise<BenchReport> {
    const pack = await resolvePack(options.packs[0] ?? 'open_single');
    const models = [
      pack.detector,
      pack.recognizer,
      ...pack.liveness,
      ...(pack.secondOpinion ? [pack.secondOpinion] : []),
    ];
    const variants = ortVariants(process.env.FACEGATE_ORT_VARIANTS);
    const rows: BenchRow[] = [];
    for (const model of models) {
      const files = [
        { file: model.path, label: 'catalog' },
        ...variants
          .filter((v) => v.modelId === model.spec.id)
          .map((v) => ({ file: v.file, label: path.basename(v.file) })),
      ];
      const configs: (Setting & {
        file: string;
        session: ort.InferenceSession;
        times: number[];
        cpu: number[];
      })[] = [];
      for (const { file, label } of files)
        for (const setting of settings)
          configs.push({
            ...setting,
            file: label,
            times: [],
            cpu: [],
            session: await ort.InferenceSession.create(file, {
              executionProviders: ['cpu'],
              intraOpNumThreads: setting.intra,
              interOpNumThreads: setting.inter,
              executionMode: setting.inter > 1 ? 'parallel' : 'sequential',
              graphOptimizationLevel: setting.level,
              logSeverityLevel: 3,
              extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
            }),
          });
      const dims = inputDims(configs[0].session, model);
      const data = Float32Array.from(
        { length: dims.reduce((a, b) => a * b, 1) },
        (_, i) => ((i * 7919) % 255) / 255,
      );
      const feeds = { [configs[0].session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
      for (const c of configs) for (let i = 0; i < 3; i++) await c.session.run(feeds);
      for (let round = 0; round < options.iterations; round++)
        for (const c of configs) {
          const cpu = process.cpuUsage();
          const start = performance.now();
          await c.session.run(feeds);
          c.times.push(performance.now() - start);
          c.cpu.push(cpuMs(cpu));
        }
      for (const c of configs) {
        const s = summarise(c.times);
        const base = configs.find(
          (b) => b.file === 'catalog' && b.intra === c.intra && b.inter === c.inter && b.level === c.level,
        );
        const ratio = base && base !== c ? summarise(c.cpu.map((v, i) => v / base.cpu[i])).median : undefined;
        rows.push({
          model: model.spec.id,
          file: c.file,
          input: dims.join('x'),
          level: c.level,
          intra: c.intra,
          inter: c.inter,
          mode: c.inter > 1 ? 'parallel' : 'sequential',
          'p50 ms': Number(s.median.toFixed(2)),
          'p95 ms': Number(s.p95.toFixed(2)),
          'cpu p50 ms': Number(summarise(c.cpu).median.toFixed(2)),
          'cpu / catalog': ratio === undefined ? null : Number(ratio.toFixed(3)),
        });
        await c.session.release();
      }
      options.log(`ort: ${model.spec.id} done`);
    }
    rows.push(...(await stageRows(options)));
    return {
      suite: 'ort',
      rows,
      notes: [
        'Model rows: session.run alone on a fixed synthetic input; settings (and FACEGATE_ORT_VARIANTS files) interleaved round by round.',
        'cpu = process CPU time (user + system, all threads, onnxruntime pools included) per run: above the wall time, more than one core was busy; cpu / catalog = per-round ratio to the catalog file at the same setting, median.',
        'Stage rows (model "stage: ..."): one one-face 640x480 frame through FaceAnalyzer with liveness, per stage (detect, align, embed, liveness pair, second opinion on the main face), analyzers with intra-op 1 and 2 interleaved call by call; stage cpu = CPU of the call with the stage minus the call without it.',
        'FaceGate opens sessions with graphOptimizationLevel all and intra-op threads = the cores available (src/core/models/session.ts).',
        'On a shared 2-core machine these figures are noisy: compare settings within one run only.',
      ],
    };
  },
};

/**
 * Where a one-face frame's time goes, per stage, with the pack's models at intra-op 1 and 2: the
 * same frame analysed in steps (detect only; + align and embed; + the liveness pair; + the second
 * opinion), the two analyzers interleaved call by call. CPU per stage is the difference between
 * the calls with and without it (the process's CPU, onnxruntime's threads included).
 */
async function stageRows(options: BenchOptions): Promise<BenchRow[]> {
  const packId = options.packs[0] ?? 'open_single';
  const pack = await resolvePack(packId);
  const photo = identityPhotos()[0];
  // The stream bench's one-face frame: the portrait fitted into 640x480, liveness can judge it.
  const image = cameraFrame(await decodeImage(readFileSync(photo.path), photo.file), 'contain');
  const steps = [
    { name: 'detect', opts: { embed: false } },
    { name: '+ align, embed', opts: { embed: true } },
    { name: '+ liveness pair', opts: { embed: true, liveness: true } },
    { name: '+ second opinion', opts: { embed: true, liveness: true, secondOpinion: true } },
  ] as const;
  const analyzers = [];
  for (const threads of [1, 2]) {
    const analyzer = await FaceAnalyzer.load({ pack: packId, threads });
    await attachLiveness(analyzer, pack, { threads });
    analyzers.push({
      threads,
      analyzer,
      wall: steps.map(() => [] as number[]),
      cpu: steps.map(() => [] as number[]),
      stage: steps.map(() => ({
        detect: [] as number[],
        align: [] as number[],
        embed: [] as number[],
        liveness: [] as number[],
      })),
    });
  }
  for (const a of analyzers) for (const step of steps) await a.analyzer.analyze(image, step.opts);
  for (let round = 0; round < options.iterations; round++)
    for (const [s, step] of steps.entries())
      for (const a of analyzers) {
        const cpu = process.cpuUsage();
        const start = performance.now();
        const result = await a.analyzer.analyze(image, step.opts);
        a.wall[s].push(performance.now() - start);
        a.cpu[s].push(cpuMs(cpu));
        for (const key of ['detect', 'align', 'embed', 'liveness'] as const)
          a.stage[s][key].push(result.timings[key]);
      }
  const med = (v: number[]) => Number(summarise(v).median.toFixed(2));
  const rows: BenchRow[] = [];
  for (const a of analyzers) {
    const last = steps.length - 1;
    const stageWall = {
      detect: med(a.stage[0].detect),
      'align, embed': med(a.stage[1].align.map((v, i) => v + a.stage[1].embed[i])),
      'liveness pair': med(a.stage[2].liveness),
      'second opinion': Number((med(a.stage[last].liveness) - med(a.stage[2].liveness)).toFixed(2)),
    };
    const cpuSteps = a.cpu.map(med);
    const stageCpu = [
      cpuSteps[0],
      cpuSteps[1] - cpuSteps[0],
      cpuSteps[2] - cpuSteps[1],
      cpuSteps[3] - cpuSteps[2],
    ];
    Object.entries(stageWall).forEach(([name, wall], i) =>
      rows.push({
        model: `stage: ${name}`,
        file: 'catalog',
        input: '640x480 one face',
        level: 'all',
        intra: a.threads,
        inter: 1,
        mode: 'sequential',
        'p50 ms': wall,
        'p95 ms': null,
        'cpu p50 ms': Number(stageCpu[i].toFixed(2)),
        'cpu / catalog': null,
      }),
    );
    rows.push({
      model: 'stage: whole frame (all four)',
      file: 'catalog',
      input: '640x480 one face',
      level: 'all',
      intra: a.threads,
      inter: 1,
      mode: 'sequential',
      'p50 ms': med(a.wall[last]),
      'p95 ms': Number(summarise(a.wall[last]).p95.toFixed(2)),
      'cpu p50 ms': cpuSteps[last],
      'cpu / catalog': null,
    });
    await a.analyzer.release();
  }
  options.log('ort: pipeline stages done');
  return rows;
}
