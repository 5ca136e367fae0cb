import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { numberOption, stringOption, writeJson, type Command } from '../command';
import { FaceGateError } from '../../core/errors';
import { benchSuites } from '../../../bench/index';
import { formatTable, type BenchReport } from '../../../bench/suite';

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Run the benchmarks: print a table per suite and save JSON under bench/results/',
  usage: '[--suite NAME,...] [--pack ID,...] [--iterations N] [--out DIR] [--json]',
  options: {
    suite: { type: 'string' },
    pack: { type: 'string' },
    iterations: { type: 'string' },
    out: { type: 'string' },
  },
  help: [
    `Suites: ${benchSuites.map((s) => `${s.name} (${s.summary})`).join('; ')}.`,
    '',
    '  --suite NAME,...      suites to run (default: all)',
    '  --pack ID,...         model packs for the suites that use them (default: every available pack)',
    '  --iterations N        timed runs per measurement, after 5 warm-up runs (default 30)',
    '  --out DIR             where <suite>-<date>.json goes (default: bench/results)',
    '',
    'Timings depend on what else runs on the machine: close other work for figures you publish.',
  ].join('\n'),
  async run(ctx) {
    const wanted = list(stringOption(ctx, 'suite'));
    const unknown = wanted.filter((name) => !benchSuites.some((s) => s.name === name));
    if (unknown.length) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `Unknown benchmark suite '${unknown.join(', ')}'. Suites: ${benchSuites.map((s) => s.name).join(', ')}.`,
      );
    }
    const iterations = numberOption(ctx, 'iterations') ?? 30;
    if (!Number.isInteger(iterations) || iterations < 1) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `--iterations must be a whole number of 1 or more, got ${iterations}.`,
      );
    }
    const outDir = path.resolve(stringOption(ctx, 'out') ?? path.join('bench', 'results'));
    const suites = wanted.length ? benchSuites.filter((s) => wanted.includes(s.name)) : benchSuites;
    const reports: (BenchReport & { file: string })[] = [];
    for (const suite of suites) {
      const report = await suite.run({
        packs: list(stringOption(ctx, 'pack')),
        iterations,
        log: (line) => ctx.stderr.write(`${line}\n`),
      });
      const date = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(outDir, `${suite.name}-${date}.json`);
      await mkdir(outDir, { recursive: true });
      const saved = {
        ...report,
        date,
        iterations,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      };
      await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
      reports.push({ ...report, file });
      if (!ctx.json) {
        ctx.stdout.write(`\n== ${suite.name}: ${suite.summary}\n${formatTable(report.rows)}\n`);
        ctx.stdout.write(`${report.notes.map((n) => `  ${n}`).join('\n')}\n  Saved: ${file}\n`);
      }
    }
    if (ctx.json)
      writeJson(
        ctx,
        reports.map(({ suite, rows, notes, file }) => ({ suite, rows, notes, file })),
      );
    return 0;
  },
};
