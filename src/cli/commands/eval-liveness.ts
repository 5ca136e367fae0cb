import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError, toErrorInfo } from '../../core/errors';
import { analyzeFile } from '../../core/face';
import { cropImage, decodeImage, rgbToI420, yuvToRgb, type RgbImage } from '../../core/image';
import {
  livenessErrorRates,
  parseLivenessLabels,
  type ErrorRate,
  type LivenessErrorRates,
} from '../../core/face/liveness';
import {
  clipBootstrap,
  leaveOneSourceOut,
  ratesBySource,
  scoreDistributionSvg,
  sequenceOutcomes,
  streamCounts,
  streamRuleGrid,
  windowCounts,
  zeroApcerThreshold,
  type ScoredRow,
} from '../../core/face/liveness/dev-report';
import { defaultAccessPolicySettings } from '../../core/access/types';
import { analyzerCliHelp, analyzerCliOptions } from './detect';
import { loadLivenessPipeline } from './liveness';

const percent = (r: ErrorRate) => (r.rate === null ? 'n/a' : `${(r.rate * 100).toFixed(1)}%`);
const fraction = (r: ErrorRate) => `${r.errors}/${r.total} = ${percent(r)}`;

function describeRates(r: LivenessErrorRates): string {
  const species = Object.entries(r.apcerBySpecies).map(([name, e]) => `${name} ${e.errors}/${e.total}`);
  return [
    ...species.map((x) => `APCER ${x}`),
    r.bpcer.total ? `BPCER ${r.bpcer.errors}/${r.bpcer.total}` : '',
    r.notJudged.real + r.notJudged.spoof
      ? `not judged ${r.notJudged.real} real, ${r.notJudged.spoof} attack`
      : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** An image as a browser kiosk's I420 frame would bring it: cropped to even sides, through the planes and back. */
function throughI420(image: RgbImage): RgbImage {
  const even = cropImage(image, 0, 0, image.width & ~1, image.height & ~1);
  return yuvToRgb(rgbToI420(even), even.width, even.height, 'i420');
}

export const evalLivenessCommand: Command = {
  name: 'eval-liveness',
  summary: 'Measure liveness on labelled images: APCER, BPCER (ISO/IEC 30107-3) at the threshold',
  usage:
    'LABELS.csv [--root DIR] [--pack ID] [--threshold T] [--context-margin M] [--frame-format rgb|i420] [--plot FILE.svg] [--json]',
  options: {
    ...analyzerCliOptions,
    root: { type: 'string' },
    threshold: { type: 'string' },
    'context-margin': { type: 'string' },
    'frame-format': { type: 'string' },
    plot: { type: 'string' },
  },
  help: [
    'LABELS.csv has a header line and the columns file,label (label: real or spoof); an attack_type',
    'column (print, screen_replay, ...) gives APCER per attack species. Files are relative to --root',
    '(default: the folder of LABELS.csv). The main face of each image is judged.',
    '',
    '  APCER  attack presentation classification error rate: share of attacks accepted as live',
    '  BPCER  bona fide presentation classification error rate: share of real faces not accepted',
    '',
    'A face that cannot be judged, or an image without a face, keeps the door shut: it counts as not',
    'accepted (no APCER error, a BPCER error) and is listed apart.',
    '',
    'With a source column (owner/name@commit:path#t=S, as in ../shared/datasets/spoof-dev) it also',
    'reports the rates per source, a 90 % interval from resampling whole clips (frames of one clip are',
    'near-duplicates), and the stream decision per clip: the lower median of its judged frames; the',
    "door's view (every run of 3 consecutive frames of a clip: does any run pass, is the first run",
    'challenged), and a leave-one-source-out check of choosing the stream rule (frame aggregate, unsure',
    'floor, second-opinion threshold) on this set. docs/liveness.md.',
    '',
    "  --threshold T         live when the score is at least T (default: the pack's measured threshold)",
    '  --context-margin M    background a crop must keep around the face, as a fraction of it, to be judged',
    '                        (default 0.05, docs/liveness.md "When a face cannot be judged")',
    '  --frame-format F      rgb (default): each image as decoded; i420: first through the camera planes a',
    '                        browser kiosk sends (BT.601 limited range, chroma at half resolution; the',
    '                        image cropped to even sides), to check the wire format moves no verdict',
    '  --plot FILE.svg       write the score distributions (bona fide vs each attack species) as an SVG',
    '',
    analyzerCliHelp,
  ].join('\n'),
  async run(ctx) {
    const labelsFile = ctx.positionals[0];
    if (!labelsFile || ctx.positionals.length > 1) {
      throw new FaceGateError(
        'INVALID_INPUT',
        'Give one labels file: facegate eval-liveness LABELS.csv [--root DIR]',
      );
    }
    let text: string;
    try {
      text = await readFile(labelsFile, 'utf8');
    } catch (error) {
      throw new FaceGateError(
        'IMAGE_UNREADABLE',
        `Cannot read the labels file ${labelsFile}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const labels = parseLivenessLabels(text, labelsFile);
    const root = stringOption(ctx, 'root') ?? path.dirname(labelsFile);
    const frameFormat = stringOption(ctx, 'frame-format') ?? 'rgb';
    if (frameFormat !== 'rgb' && frameFormat !== 'i420')
      throw new FaceGateError('INVALID_INPUT', `--frame-format must be rgb or i420, got '${frameFormat}'.`);
    const pipeline = await loadLivenessPipeline(ctx);
    const { analyzer, liveness } = pipeline;
    try {
      const rows: (ScoredRow & { error?: string })[] = [];
      let status: number = exitCodes.ok;
      for (const label of labels) {
        const file = path.resolve(root, label.file);
        const base = {
          file: label.file,
          label: label.label,
          attackType: label.attackType,
          source: label.source,
        };
        try {
          const options = {
            maxFaces: 1,
            embed: false,
            liveness: true,
            secondOpinion: liveness.secondOpinion !== null,
          };
          const { result } =
            frameFormat === 'i420'
              ? { result: await analyzer.analyze(throughI420(await decodeImage(file)), options) }
              : await analyzeFile(analyzer, file, options);
          const face = result.faces[0];
          const second = face?.liveness?.second;
          rows.push({
            ...base,
            score: face?.liveness ? Number(face.liveness.score.toFixed(4)) : null,
            verdict: face?.liveness?.verdict ?? 'no_face',
            ...(liveness.secondOpinion
              ? { second: second === undefined ? null : Number(second.toFixed(4)) }
              : {}),
          });
        } catch (error) {
          const info = toErrorInfo(error);
          if (info.code === 'INTERNAL') throw error;
          status = exitCodes.noInput;
          ctx.stderr.write(`facegate eval-liveness: ${info.message}\n`);
          rows.push({ ...base, score: null, verdict: 'no_face', error: info.message });
        }
      }
      const rates = livenessErrorRates(rows);
      const scores = (l: 'real' | 'spoof') =>
        rows
          .filter((r) => r.label === l && r.score !== null && r.verdict !== 'cannot_judge')
          .map((r) => r.score as number);
      const attackScores = scores('spoof');
      const realScores = scores('real');
      const threshold = liveness.threshold;
      const unsureFloor = Math.min(defaultAccessPolicySettings.livenessUnsureFloor, threshold);
      const secondOpinionThreshold = liveness.secondOpinion?.threshold ?? null;
      const sequences = sequenceOutcomes(rows, threshold, { unsureFloor, secondOpinionThreshold });
      const allClips = sequenceOutcomes(rows, threshold, {
        unsureFloor,
        secondOpinionThreshold,
        minFrames: 1,
      });
      // The same without the second opinion (the pair alone), to show what it changes.
      const pairOnly = liveness.secondOpinion
        ? streamCounts(sequenceOutcomes(rows, threshold, { unsureFloor, minFrames: 1 }))
        : null;
      // The door's view: every run of framesToAgree consecutive frames of a clip is a decision.
      const framesToAgree = defaultAccessPolicySettings.framesToAgree;
      const windows = windowCounts(rows, threshold, { unsureFloor, secondOpinionThreshold, framesToAgree });
      const windowsPairOnly = liveness.secondOpinion
        ? windowCounts(rows, threshold, { unsureFloor, framesToAgree })
        : null;
      // Would choosing the stream rule on this set hold on a source it has not seen?
      const loso = leaveOneSourceOut(
        rows,
        threshold,
        streamRuleGrid(liveness.secondOpinion !== null),
        framesToAgree,
      );
      const sequenceRates = livenessErrorRates(
        sequences.map((q) => ({ ...q, verdict: q.verdict, score: q.score })),
      );
      const plot = stringOption(ctx, 'plot');
      if (plot) {
        await writeFile(
          plot,
          scoreDistributionSvg(
            rows,
            threshold,
            `Liveness scores, pack ${analyzer.info.pack}, ${path.basename(labelsFile)}`,
          ),
        );
      }
      const summary = {
        pack: analyzer.info.pack,
        frameFormat,
        models: liveness.models,
        threshold: liveness.threshold,
        images: rows.length,
        apcer: rates.apcer,
        apcerBySpecies: rates.apcerBySpecies,
        apcerWorst: rates.apcerWorst,
        bpcer: rates.bpcer,
        notJudged: rates.notJudged,
        highestAttackScore: attackScores.length ? Math.max(...attackScores) : null,
        lowestRealScore: realScores.length ? Math.min(...realScores) : null,
        zeroApcer: zeroApcerThreshold(rows),
        clipBootstrap90: clipBootstrap(rows),
        bySource: ratesBySource(rows),
        sequences: {
          rates: sequenceRates,
          unsureFloor,
          secondOpinion: liveness.secondOpinion,
          stepUpWhenUnsure: { multiFrame: streamCounts(sequences), allClips: streamCounts(allClips) },
          pairOnly,
          windows,
          windowsPairOnly,
          leaveOneSourceOut: loso,
          clips: allClips,
        },
        rows,
      };
      if (ctx.json) {
        writeJson(ctx, summary);
        return status;
      }
      const width = Math.max(4, ...rows.map((r) => r.file.length));
      ctx.stdout.write(
        `pack ${summary.pack}: ${summary.models.join(' + ')}, threshold ${summary.threshold}\n\n`,
      );
      ctx.stdout.write(`${'file'.padEnd(width)}  label  ${'attack'.padEnd(14)} score   verdict\n`);
      for (const r of rows) {
        const score = r.score === null ? '  -   ' : r.score.toFixed(3).padStart(6);
        ctx.stdout.write(
          `${r.file.padEnd(width)}  ${r.label.padEnd(5)}  ${(r.attackType || '-').padEnd(14)} ${score}  ${r.verdict}\n`,
        );
      }
      const species = Object.entries(rates.apcerBySpecies)
        .map(([name, r]) => `${name} ${r.errors}/${r.total}`)
        .join(', ');
      ctx.stdout.write(
        [
          '',
          `APCER ${fraction(rates.apcer)}${species ? ` (${species}; worst species ${rates.apcerWorst === null ? 'n/a' : `${(rates.apcerWorst * 100).toFixed(1)}%`})` : ''}`,
          `BPCER ${fraction(rates.bpcer)}`,
          `threshold ${summary.threshold}; highest attack score ${summary.highestAttackScore ?? 'n/a'}, lowest real score ${summary.lowestRealScore ?? 'n/a'}`,
          `not judged (no face or cannot judge, counted as not accepted): ${rates.notJudged.real} real, ${rates.notJudged.spoof} attack`,
          `APCER = 0 needs a threshold of ${summary.zeroApcer.threshold ?? 'n/a'}: BPCER there ${summary.zeroApcer.bpcer.errors}/${summary.zeroApcer.bpcer.total}`,
          `90 % interval over clips (resampled within each species): ${Object.entries(summary.clipBootstrap90)
            .map(([k, v]) => `${k} ${(v.low * 100).toFixed(1)}-${(v.high * 100).toFixed(1)}%`)
            .join(', ')}`,
          '',
          'per source:',
          ...Object.entries(summary.bySource).map(([name, r]) => `  ${name.padEnd(48)} ${describeRates(r)}`),
          '',
          sequences.length
            ? `stream decision per clip (lower median of its judged frames, ${sequences.length} clips of 2 or more frames): ${describeRates(sequenceRates)}`
            : 'stream decision: no clips of 2 or more frames (give a source column with #t=S frames)',
          `with step-up 'when unsure' (challenge for a median in [${unsureFloor}, ${threshold})` +
            (liveness.secondOpinion
              ? `, or at least ${threshold} with ${liveness.secondOpinion.model}'s median under ${liveness.secondOpinion.threshold}`
              : '') +
            '), per clip:',
          ...Object.entries(summary.sequences.stepUpWhenUnsure.allClips).map(
            ([k, c]) =>
              `  ${k.padEnd(14)} pass ${c.pass}, challenge ${c.challenge}, refuse ${c.refuse}, cannot judge ${c.cannot_judge}` +
              ` (clips of 2+ frames: ${(() => {
                const m = summary.sequences.stepUpWhenUnsure.multiFrame[k];
                return m ? `${m.pass}/${m.challenge}/${m.refuse}/${m.cannot_judge}` : 'none';
              })()})`,
          ),
          ...(pairOnly
            ? [
                'the pair alone (no second opinion), per clip:',
                ...Object.entries(pairOnly).map(
                  ([k, c]) =>
                    `  ${k.padEnd(14)} pass ${c.pass}, challenge ${c.challenge}, refuse ${c.refuse}, cannot judge ${c.cannot_judge}`,
                ),
              ]
            : []),
          `the door's decisions: every run of ${framesToAgree} consecutive frames of a clip (second opinion: lower median over the same run):`,
          ...Object.entries(windows).map(
            ([k, w]) =>
              `  ${k.padEnd(14)} ${w.clips} clips: some run passes ${w.anyPass}, first run challenged ${w.firstChallenge}, some run challenged ${w.anyChallenge}, some run refused ${w.anyRefuse}; runs pass/challenge/refuse/cannot judge ${w.windows.pass}/${w.windows.challenge}/${w.windows.refuse}/${w.windows.cannot_judge}` +
              (windowsPairOnly?.[k] ? ` (pair alone: some run passes ${windowsPairOnly[k].anyPass})` : ''),
          ),
          `leave one source out (${loso.folds.length} sources): the stream rule (aggregate, unsure floor, second-opinion threshold) picked on the other sources, applied to the held-out one's first ${framesToAgree} frames per clip:`,
          ...loso.folds.map(
            (f) =>
              `  ${f.source.padEnd(48)} ${f.rule.aggregate}, floor ${f.rule.unsureFloor}, second ${f.rule.secondOpinionThreshold ?? '-'}: ${Object.entries(
                f.counts,
              )
                .map(([k, c]) => `${k} ${c.pass}/${c.challenge}/${c.refuse}/${c.cannot_judge}`)
                .join(', ')}`,
          ),
          `  held out, summed (pass/challenge/refuse/cannot judge): ${Object.entries(loso.heldOut)
            .map(([k, c]) => `${k} ${c.pass}/${c.challenge}/${c.refuse}/${c.cannot_judge}`)
            .join(', ')}`,
          `  picked on all sources: ${loso.all.rule.aggregate}, floor ${loso.all.rule.unsureFloor}, second ${loso.all.rule.secondOpinionThreshold ?? '-'}: ${Object.entries(
            loso.all.counts,
          )
            .map(([k, c]) => `${k} ${c.pass}/${c.challenge}/${c.refuse}/${c.cannot_judge}`)
            .join(', ')}`,
          ...(plot ? [`score distributions written to ${plot}`] : []),
          '',
        ].join('\n'),
      );
      return status;
    } finally {
      await pipeline.release();
    }
  },
};
