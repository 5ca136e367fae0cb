import { performance } from 'node:perf_hooks';
import { FaceGateError } from '../errors';
import { decodeImage } from '../image';
import type { FaceAnalyzer, AnalyzeOptions } from './face-analyzer';
import type { RgbImage } from '../image/types';
import type { AnalyzedFace, AnalyzeResult } from './types';

export interface AnalyzedFile {
  file: string;
  /** The decoded image (upright), for a second look. */
  image: RgbImage;
  result: AnalyzeResult;
  /** Milliseconds spent reading and decoding the file. */
  decodeMs: number;
}

/** Decodes an image file (IMAGE_UNREADABLE naming it when it cannot) and analyzes it. */
export async function analyzeFile(
  analyzer: FaceAnalyzer,
  file: string,
  options: AnalyzeOptions = {},
): Promise<AnalyzedFile> {
  const start = performance.now();
  const image = await decodeImage(file);
  const decodeMs = performance.now() - start;
  return { file, image, result: await analyzer.analyze(image, options), decodeMs };
}

/** The main face (largest, nearest the centre) with its embedding, or NO_FACE naming the file. */
export function requireMainFace(
  result: AnalyzeResult,
  file: string,
): AnalyzedFace & { embedding: Float32Array } {
  const face = result.faces[0];
  if (!face) {
    throw new FaceGateError(
      'NO_FACE',
      `No face found in ${file} (${result.width}x${result.height}). Use a photo where the face is clearly visible, ` +
        'frontal and at least about 40 pixels wide.',
      { details: { file } },
    );
  }
  if (!face.embedding) throw new Error(`analyze() gave no embedding for the main face of ${file}`);
  return face as AnalyzedFace & { embedding: Float32Array };
}
