import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RgbImage } from '../../image/types';
import type { FaceEngine } from '../../gallery/face-engine';
import type { AnalyzedFace, AnalyzeResult, Landmarks5 } from '../types';

interface StoredFace {
  box: AnalyzedFace['box'];
  score: number;
  landmarks: Landmarks5;
  embedding?: string;
  aligned?: { width: number; height: number; data: string };
}

const f32 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const fromF32 = (s: string) => {
  const bytes = Buffer.from(s, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/**
 * A face engine that remembers each analysis on disk, keyed by the recognizer, the image pixels
 * and the options: evaluations that rerun on the same photos (another threshold, other gates)
 * then cost nothing. For measurement only; the product never caches faces.
 */
export function cachedEngine(engine: FaceEngine, dir: string): FaceEngine {
  const folder = path.join(dir, engine.info.pack, engine.info.recognizer.sha256.slice(0, 16));
  mkdirSync(folder, { recursive: true });
  return {
    info: engine.info,
    embedAligned: (crop) => engine.embedAligned(crop),
    async analyze(image: RgbImage, options = {}): Promise<AnalyzeResult> {
      const key = createHash('sha256')
        .update(`${image.width}x${image.height}:${JSON.stringify(options)}:`)
        .update(image.data)
        .digest('hex');
      const file = path.join(folder, `${key}.json`);
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as { faces: StoredFace[] };
        const faces = stored.faces.map((f) => ({
          box: f.box,
          score: f.score,
          landmarks: f.landmarks,
          ...(f.embedding ? { embedding: fromF32(f.embedding) } : {}),
          ...(f.aligned
            ? {
                aligned: {
                  width: f.aligned.width,
                  height: f.aligned.height,
                  data: new Uint8Array(Buffer.from(f.aligned.data, 'base64')),
                },
              }
            : {}),
        }));
        return {
          width: image.width,
          height: image.height,
          faces,
          timings: { detect: 0, align: 0, embed: 0, liveness: 0, total: 0 },
        };
      } catch {
        // Not cached yet (or unreadable): analyse and store.
      }
      const result = await engine.analyze(image, options);
      const faces: StoredFace[] = result.faces.map((f) => ({
        box: f.box,
        score: f.score,
        landmarks: f.landmarks,
        ...(f.embedding ? { embedding: f32(f.embedding) } : {}),
        ...(f.aligned
          ? {
              aligned: {
                width: f.aligned.width,
                height: f.aligned.height,
                data: Buffer.from(f.aligned.data).toString('base64'),
              },
            }
          : {}),
      }));
      writeFileSync(file, JSON.stringify({ faces }));
      return result;
    },
  };
}
