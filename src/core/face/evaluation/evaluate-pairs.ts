import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isFaceGateError } from '../../errors';
import { cosineSimilarity } from '../arcface-embedder';
import { analyzeFile } from '../analyze-file';
import type { FaceAnalyzer } from '../face-analyzer';
import {
  accuracyAt,
  bestThreshold,
  equalErrorRate,
  foldAccuracy,
  rocAuc,
  rocCurve,
  tarAtFar,
  type FoldResult,
  type RocPoint,
} from './metrics';
import type { PairRow } from './pairs-file';

/** Score given to a pair when a face is missing: below any cosine, i.e. decided "different". */
export const unscoredPairScore = -1;

/**
 * A pairs file says every image shows a face, so an image where none passes the pack's detection
 * threshold is searched once more, keeping the main face above this much lower score.
 */
export const retryDetThreshold = 0.2;

export interface PairsEvaluation {
  pack: string;
  /** Pairs in the file, all of them scored (LFW's protocol scores every pair). */
  pairs: number;
  genuinePairs: number;
  impostorPairs: number;
  /** Pairs where an image held no face: scored -1, i.e. decided "different". */
  noFace: number;
  /** Images whose face was only found on the second, low-threshold search. */
  lowConfidenceFaces: number;
  /** Pairs where an image is missing or cannot be decoded: scored -1 as well. */
  unreadable: number;
  images: { total: number; noFace: string[]; unreadable: string[] };
  /** Mean test accuracy over folds, each judged with the threshold chosen on the other folds. */
  accuracy: number;
  accuracyStd: number;
  folds: FoldResult[];
  /** The best-accuracy threshold over all pairs. */
  threshold: number;
  auc: number;
  eer: number;
  tarAtFar: Record<'1e-3' | '1e-2', number>;
  /** How the pack's own default threshold does on these pairs. */
  packThreshold: { threshold: number; accuracy: number; far: number; tar: number };
  /** Mean decode + analyze time per image, milliseconds. */
  msPerImage: number;
  roc: RocPoint[];
  /** Every pair's score, in the order of the rows. */
  scores: { score: number; same: boolean; fold: string }[];
}

export interface EvaluateOptions {
  /** Folder the pair paths are relative to. */
  root: string;
  /** Called after each image (done, total). */
  onProgress?: (done: number, total: number) => void;
}

type ImageOutcome = { embedding: Float32Array } | { failure: 'noFace' | 'unreadable' };

/**
 * Scores LFW-style pairs: each distinct image is analyzed once and its main face embedded; a
 * pair's score is the cosine similarity of the two embeddings.
 */
export async function evaluatePairs(
  analyzer: FaceAnalyzer,
  rows: readonly PairRow[],
  options: EvaluateOptions,
): Promise<PairsEvaluation> {
  const resolve = (file: string) => path.resolve(options.root, file);
  const files = [...new Set(rows.flatMap((r) => [resolve(r.a), resolve(r.b)]))];
  const outcomes = new Map<string, ImageOutcome>();
  let analyzedMs = 0;
  let analyzed = 0;
  let lowConfidenceFaces = 0;
  for (const file of files) {
    const start = performance.now();
    try {
      const { image, result } = await analyzeFile(analyzer, file, { embed: 'main' });
      let embedding = result.faces[0]?.embedding;
      if (!embedding) {
        const retry = await analyzer.analyze(image, { embed: 'main', detThreshold: retryDetThreshold });
        embedding = retry.faces[0]?.embedding;
        if (embedding) lowConfidenceFaces++;
      }
      outcomes.set(file, embedding ? { embedding } : { failure: 'noFace' });
      analyzedMs += performance.now() - start;
      analyzed++;
    } catch (error) {
      if (!isFaceGateError(error, 'IMAGE_UNREADABLE')) throw error;
      outcomes.set(file, { failure: 'unreadable' });
    }
    options.onProgress?.(outcomes.size, files.length);
  }

  let noFace = 0;
  let unreadable = 0;
  const scored = rows.map((row) => {
    const a = outcomes.get(resolve(row.a));
    const b = outcomes.get(resolve(row.b));
    let score = unscoredPairScore;
    if (a && b && 'embedding' in a && 'embedding' in b) score = cosineSimilarity(a.embedding, b.embedding);
    else if (
      (a && 'failure' in a && a.failure === 'unreadable') ||
      (b && 'failure' in b && b.failure === 'unreadable')
    )
      unreadable++;
    else noFace++;
    return { score, same: row.same, fold: row.fold };
  });

  const failed = (kind: 'noFace' | 'unreadable') =>
    files.filter((f) => {
      const o = outcomes.get(f);
      return o && 'failure' in o && o.failure === kind;
    });
  const folds = foldAccuracy(scored);
  const packThreshold = analyzer.info.threshold;
  const impostors = scored.filter((p) => !p.same);
  const genuine = scored.filter((p) => p.same);
  return {
    pack: analyzer.info.pack,
    pairs: scored.length,
    genuinePairs: genuine.length,
    impostorPairs: impostors.length,
    noFace,
    lowConfidenceFaces,
    unreadable,
    images: { total: files.length, noFace: failed('noFace'), unreadable: failed('unreadable') },
    accuracy: folds.accuracy,
    accuracyStd: folds.accuracyStd,
    folds: folds.folds,
    threshold: bestThreshold(scored).threshold,
    auc: rocAuc(scored),
    eer: equalErrorRate(scored).eer,
    tarAtFar: { '1e-3': tarAtFar(scored, 1e-3).tar, '1e-2': tarAtFar(scored, 1e-2).tar },
    packThreshold: {
      threshold: packThreshold,
      accuracy: accuracyAt(scored, packThreshold),
      far: impostors.filter((p) => p.score >= packThreshold).length / (impostors.length || 1),
      tar: genuine.filter((p) => p.score >= packThreshold).length / (genuine.length || 1),
    },
    msPerImage: analyzed ? analyzedMs / analyzed : Number.NaN,
    roc: rocCurve(scored),
    scores: scored,
  };
}
