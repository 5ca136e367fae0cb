import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { resolvePack, type ResolvedModel } from '../src/core/models';
import { summarise, type BenchOptions, type BenchReport, type BenchRow, type BenchSuite } from './suite';

type Level = 'disabled' | 'basic' | 'extended' | 'all';
const levels: Level[] = ['disabled', 'basic', 'extended', 'all'];
const threadCounts = [1, 2];

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
      const configs: {
        file: string;
        threads: number;
        level: Level;
        session: ort.InferenceSession;
        times: number[];
        cpu: number[];
      }[] = [];
      for (const { file, label } of files)
        for (const threads of threadCounts)
          for (const level of levels)
            configs.push({
              file: label,
              threads,
              level,
              times: [],
              cpu: [],
              session: await ort.InferenceSession.create(file, {
                executionProviders: ['cpu'],
                intraOpNumThreads: threads,
                interOpNumThreads: 1,
                graphOptimizationLevel: level,
                logSeverityLevel: 3,
                extra: { session: { intra_op: { allow_spinning: '0' } } },
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
          const used = process.cpuUsage(cpu);
          c.cpu.push((used.user + used.system) / 1000);
        }
      for (const c of configs) {
        const s = summarise(c.times);
        const base = configs.find(
          (b) => b.file === 'catalog' && b.threads === c.threads && b.level === c.level,
        );
        const ratio = base && base !== c ? summarise(c.cpu.map((v, i) => v / base.cpu[i])).median : undefined;
        rows.push({
          model: model.spec.id,
          file: c.file,
          input: dims.join('x'),
          threads: c.threads,
          level: c.level,
          'p50 ms': Number(s.median.toFixed(2)),
          'p95 ms': Number(s.p95.toFixed(2)),
          'cpu p50 ms': Number(summarise(c.cpu).median.toFixed(2)),
          'cpu / catalog': ratio === undefined ? null : Number(ratio.toFixed(3)),
        });
        await c.session.release();
      }
      options.log(`ort: ${model.spec.id} done`);
    }
    return {
      suite: 'ort',
      rows,
      notes: [
        'session.run alone on a fixed synthetic input; settings (and FACEGATE_ORT_VARIANTS files) interleaved round by round.',
        'cpu = process CPU time (user + system, all threads) per run; cpu / catalog = per-round ratio to the catalog file at the same setting, median.',
        'FaceGate opens sessions with graphOptimizationLevel all and intra-op threads = the cores available (src/core/models/session.ts).',
        'On a shared 2-core machine these figures are noisy: compare settings within one run only.',
      ],
    };
  },
};
