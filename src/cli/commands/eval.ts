import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringOption, writeJson, type Command } from '../command';
import { FaceGateError } from '../../core/errors';
import { evaluatePairs, retryDetThreshold } from '../../core/face/evaluation/evaluate-pairs';
import { parsePairsCsv } from '../../core/face/evaluation/pairs-file';
import { rocSvg } from '../../core/face/evaluation/roc-svg';
import { analyzerCliHelp, analyzerCliOptions, loadAnalyzer } from './detect';

const percent = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : 'n/a');
const fixed = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Measure verification accuracy on LFW-style pairs (accuracy, AUC, TAR@FAR, ROC plot)',
  usage: 'PAIRS.csv [--root DIR] [--plot roc.svg] [--log-far] [--pack ID] [--json]',
  options: {
    ...analyzerCliOptions,
    root: { type: 'string' },
    plot: { type: 'string' },
    'log-far': { type: 'boolean', default: false },
  },
  help: [
    'PAIRS.csv has the columns a,b,same[,fold] (a header row is optional): two image paths, relative to',
    '--root (default: the folder of PAIRS.csv), same = 1 or 0, and an optional fold label.',
    '',
    'accuracy is LFW-protocol accuracy: for each fold, the best threshold on the other folds is applied',
    'to it, and the mean (accuracyStd: the spread) over folds is reported; without a fold column the',
    'pairs are one fold judged with its own best threshold (optimistic). threshold is the best-accuracy',
    "threshold over all pairs. Every pair is scored, as LFW's protocol expects: a pair whose image holds",
    'no face (counted in noFace) or cannot be read (unreadable) scores -1, i.e. it is decided "different".',
    `An image where no face passes the detection threshold is searched again at ${retryDetThreshold} (the`,
    'file says it shows a face); lowConfidenceFaces counts the faces found that way.',
    'tarAtFar is the true accept rate at false accept rates 1e-3 and 1e-2 (only meaningful with',
    'thousands of different-person pairs). msPerImage: mean decode + analyze time per image.',
    '',
    '  --root DIR            folder the image paths are relative to',
    '  --plot FILE.svg       write the ROC curve as an SVG, with the pack threshold marked',
    '  --log-far             plot the false accept rate on a log scale',
    '',
    analyzerCliHelp,
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length !== 1) {
      throw new FaceGateError('INVALID_INPUT', 'Give one pairs file: facegate eval PAIRS.csv');
    }
    const [pairsFile] = ctx.positionals;
    let text: string;
    try {
      text = await readFile(pairsFile, 'utf8');
    } catch (error) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `Cannot read the pairs file ${pairsFile}: ${(error as Error).message}`,
      );
    }
    const rows = parsePairsCsv(text, pairsFile);
    const root = stringOption(ctx, 'root') ?? path.dirname(pairsFile);
    const analyzer = await loadAnalyzer(ctx);
    try {
      let lastReport = 0;
      const result = await evaluatePairs(analyzer, rows, {
        root,
        onProgress: (done, total) => {
          const now = Date.now();
          if (done === total || now - lastReport > 2000) {
            lastReport = now;
            ctx.stderr.write(`facegate eval: ${done}/${total} images analysed\n`);
          }
        },
      });
      const plot = stringOption(ctx, 'plot');
      if (plot) {
        const { packThreshold } = result;
        const svg = rocSvg(result.roc, {
          title: `ROC of pack ${result.pack}: ${result.pairs} pairs (${path.basename(pairsFile)})`,
          auc: result.auc,
          logFar: Boolean(ctx.values['log-far']),
          // A power of ten at or below one false accept among the pairs.
          minFar: 10 ** Math.floor(Math.log10(Math.min(1e-3, 1 / Math.max(1, result.impostorPairs)))),
          marker: {
            far: packThreshold.far,
            tar: packThreshold.tar,
            label: `pack threshold ${packThreshold.threshold}`,
          },
        });
        await writeFile(plot, svg);
      }
      const { roc: _roc, scores: _scores, ...summary } = result;
      if (ctx.json) {
        writeJson(ctx, {
          ...summary,
          accuracy: fixed(summary.accuracy, 6),
          accuracyStd: fixed(summary.accuracyStd, 6),
          threshold: fixed(summary.threshold),
          auc: fixed(summary.auc, 6),
          eer: fixed(summary.eer, 6),
          tarAtFar: { '1e-3': fixed(summary.tarAtFar['1e-3']), '1e-2': fixed(summary.tarAtFar['1e-2']) },
          msPerImage: fixed(summary.msPerImage, 2),
          ...(plot ? { plot } : {}),
        });
      } else {
        const lines = [
          `pack            ${result.pack}`,
          `pairs           ${result.pairs} (${result.genuinePairs} same, ${result.impostorPairs} different, ${result.folds.length} fold${result.folds.length === 1 ? '' : 's'})`,
          `no face         ${result.noFace} pairs; unreadable ${result.unreadable} pairs; ${result.lowConfidenceFaces} faces found on a second, low-threshold search`,
          `accuracy        ${percent(result.accuracy)} ± ${percent(result.accuracyStd)}`,
          `threshold       ${result.threshold.toFixed(4)} (best over all pairs)`,
          `AUC             ${result.auc.toFixed(5)}`,
          `EER             ${percent(result.eer)}`,
          `TAR@FAR=1e-3    ${percent(result.tarAtFar['1e-3'])}`,
          `TAR@FAR=1e-2    ${percent(result.tarAtFar['1e-2'])}`,
          `pack threshold  ${result.packThreshold.threshold}: accuracy ${percent(result.packThreshold.accuracy)}, FAR ${percent(result.packThreshold.far)}, TAR ${percent(result.packThreshold.tar)}`,
          `ms per image    ${result.msPerImage.toFixed(1)}`,
          ...(plot ? [`ROC plot        ${plot}`] : []),
        ];
        ctx.stdout.write(`${lines.join('\n')}\n`);
      }
      return 0;
    } finally {
      await analyzer.release();
    }
  },
};
