import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaceGateError } from '../../core/errors';
import { cachedEngine } from '../../core/face/evaluation/cached-engine';
import { rocSvg } from '../../core/face/evaluation/roc-svg';
import { evaluateIdentification, readIdentificationSet } from '../../core/gallery/evaluate-identification';
import { defaultSettings } from '../../shared/settings';
import { numberOption, stringOption, writeJson, type Command } from '../command';
import { analyzerCliHelp, analyzerCliOptions, withAnalyzer } from './detect';

const percent = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : 'n/a');
/** A 95 % interval, bootstrap over people. */
const interval = ([low, high]: [number, number]) =>
  Number.isFinite(low)
    ? `(95 % interval ${(low * 100).toFixed(1)}-${(high * 100).toFixed(1)} %, bootstrap over people)`
    : '';

export const evalIdentificationCommand: Command = {
  name: 'eval-identification',
  summary: 'Measure open-set 1:N on a labelled folder: share enrolled, DIR, FPIR, rank-1, wrong-person count',
  usage:
    'LABELS.csv [--root DIR] [--plot dir-fpir.svg] [--cache DIR] [--strict] [--confirm-lookalikes] [--threshold T] [--pack ID] [--json]',
  options: {
    ...analyzerCliOptions,
    root: { type: 'string' },
    plot: { type: 'string' },
    cache: { type: 'string' },
    work: { type: 'string' },
    strict: { type: 'boolean', default: false },
    'confirm-lookalikes': { type: 'boolean', default: false },
    threshold: { type: 'string' },
    margin: { type: 'string' },
    'min-eye-distance': { type: 'string' },
    'min-sharpness': { type: 'string' },
    'min-det-score': { type: 'string' },
    'max-yaw': { type: 'string' },
  },
  help: [
    'LABELS.csv has the columns file,identity,subset (lfw-dev/labels.csv): people of subset "identification"',
    'are enrolled from their first photo (sorted by file name) through the real import, quality gates and',
    'duplicate check included, into a fresh gallery; their other photos and the photos of subset "stranger"',
    "are then identified with the live decision (the pack's threshold and the default margin unless given).",
    '',
    'enrolled: share of people the import accepted. DIR: probes identified as their own person, of all probes',
    "(a refused person's probes are misses); FPIR: strangers identified as someone; rank-1: probes whose best",
    'candidate is their own person at any score; wrong person: probes identified as someone else.',
    '',
    '  --root DIR            folder the paths are relative to (default: the folder of LABELS.csv)',
    '  --plot FILE.svg       the DIR/FPIR curve over thresholds, the decision threshold marked',
    "  --cache DIR           remember each photo's analysis in DIR (reruns cost nothing)",
    '  --work DIR            where the evaluation gallery is built (default: a temporary folder)',
    '  --strict              refuse every photo that misses a quality gate (no quality notes)',
    '  --confirm-lookalikes  act as the administrator who confirms "different people" for a photo refused as',
    '                        a duplicate of another labelled person: enrol it, keep the pair apart',
    "  --threshold T, --margin M   the decision rule (default: the product's)",
    '',
    analyzerCliHelp,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length !== 1) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'Give one labels file: facegate eval-identification LABELS.csv',
      );
    }
    const [labels] = ctx.positionals;
    const set = readIdentificationSet(labels, stringOption(ctx, 'root') ?? path.dirname(labels));
    return withAnalyzer(ctx, async (analyzer) => {
      const cache = stringOption(ctx, 'cache');
      const engine = cache ? cachedEngine(analyzer, cache) : analyzer;
      const rule = {
        // null: the product default, the pack's gallery-size-aware threshold (gallery-threshold.ts).
        threshold: numberOption(ctx, 'threshold') ?? defaultSettings.recognition.threshold,
        margin: numberOption(ctx, 'margin') ?? defaultSettings.recognition.margin,
      };
      let last = 0;
      const result = await evaluateIdentification(engine, set, {
        workDir:
          stringOption(ctx, 'work') ?? path.join(os.tmpdir(), `facegate-eval-identification-${process.pid}`),
        rule,
        strict: Boolean(ctx.values.strict),
        confirmLookalikes: Boolean(ctx.values['confirm-lookalikes']),
        gates: Object.fromEntries(
          (
            [
              ['minInterEyePx', 'min-eye-distance'],
              ['minSharpness', 'min-sharpness'],
              ['minDetScore', 'min-det-score'],
              ['maxYawDegrees', 'max-yaw'],
            ] as const
          )
            .map(([key, option]) => [key, numberOption(ctx, option)] as const)
            .filter(([, value]) => value !== undefined),
        ),
        onProgress: (stage, done, total) => {
          const now = Date.now();
          if (done === total || now - last > 2000) {
            last = now;
            ctx.stderr.write(`facegate eval-identification: ${stage} ${done}/${total}\n`);
          }
        },
      });
      const plot = stringOption(ctx, 'plot');
      if (plot) {
        const svg = rocSvg(
          result.curve.map((p) => ({ threshold: p.threshold, far: p.fpir, tar: p.dir })),
          {
            title: `Open-set 1:N, pack ${result.pack}: ${result.enrolled} enrolled, ${result.probes} probes, ${result.strangers} strangers`,
            auc: Number.NaN,
            logFar: true,
            minFar: 1e-3,
            marker: { far: result.fpir, tar: result.dir, label: `threshold ${result.rule.threshold}` },
            labels: {
              x: 'FPIR: strangers taken for someone',
              y: 'DIR: probes identified as themselves',
              legend: 'DIR against FPIR',
            },
          },
        );
        await writeFile(plot, svg);
      }
      const { outcomes, curve: _curve, enrolment, ...summary } = result;
      if (ctx.json) writeJson(ctx, { ...summary, ...(plot ? { plot } : {}), enrolment, outcomes });
      else {
        const lines = [
          `pack            ${result.pack}`,
          `enrolled        ${result.enrolled} of ${result.people} people (${percent(result.enrolledShare)}); ${result.noted} with a quality note`,
          `refused         ${result.refused.map((r) => `${r.file} (${r.reason})`).join(', ') || 'none'}`,
          ...(result.confirmedLookalikes
            ? [`confirmed       ${result.confirmedLookalikes} look-alike(s) enrolled as "different people"`]
            : []),
          `rule            threshold ${result.rule.threshold}, margin ${result.rule.margin}`,
          `DIR             ${percent(result.dir)} of ${result.probes} probes ${interval(result.ci95.dir)}; people all identified ${percent(result.dirPeople)}`,
          `FPIR            ${percent(result.fpir)} of ${result.strangers} strangers ${interval(result.ci95.fpir)}`,
          `rank-1          ${percent(result.rank1)}`,
          `wrong person    ${result.wrongPerson.length}${result.wrongPerson.map((w) => `\n  ${w.file} (${w.identity}) taken for ${w.decided} at ${w.score.toFixed(3)}`).join('')}`,
          `probe no face   ${result.probeNoFace}`,
          ...(plot ? [`DIR/FPIR plot   ${plot}`] : []),
        ];
        ctx.stdout.write(`${lines.join('\n')}\n`);
      }
      return 0;
    });
  },
};
