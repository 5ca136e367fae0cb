import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFaceGateError } from '../../../src/core/errors';
import { FaceAnalyzer } from '../../../src/core/face';
import { ArcFaceEmbedder, cosineSimilarity } from '../../../src/core/face/arcface-embedder';
import { retryDetThreshold, unscoredPairScore } from '../../../src/core/face/evaluation/evaluate-pairs';
import { accuracyAt, bestThreshold } from '../../../src/core/face/evaluation/metrics';
import { parsePairsCsv, type PairRow } from '../../../src/core/face/evaluation/pairs-file';
import { decodeImage } from '../../../src/core/image';
import { createModelSession, listPacks, resolvePack, type ResolvedPack } from '../../../src/core/models';
import { seededRandom } from '../../../src/core/random';
import { hasSharedModels, sharedDir, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * The default pack must be the most accurate commercially usable pack available, computed on the
 * dev pairs (not hard-coded). To keep CI short this runs on a seeded subset (20 LFW pairs and 100
 * frontal-vs-profile CFP pairs, where the recognizers differ by many pairs) and does each piece of
 * work once: the packs that share a detector share one detection pass per image, and each
 * recognizer embeds each aligned crop once. A fused pack's score is then the mean of its members'
 * cosines, which is exactly the dot product of the fused embedding (FusedEmbedder: L2-normalised
 * parts concatenated and normalised again). Detection, alignment and embedding are the product's
 * own (FaceAnalyzer, ArcFaceEmbedder), as is the retry at a low detection threshold of
 * `facegate eval`. A subset this small cannot rank packs that differ by less than its noise, so the
 * check is a ranking margin: the default may trail the best pack by at most 2 sqrt(d) pairs (d:
 * pairs where the two disagree), about two standard deviations of McNemar's statistic. The full
 * figures are in docs/face-pipeline.md.
 */
process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const datasets = path.join(sharedDir, 'datasets');
const sets = [
  { name: 'lfw-dev', pairs: 20 },
  { name: 'cfp-fp-dev', pairs: 100 },
];
const ready = hasSharedModels && sets.every((s) => existsSync(path.join(datasets, s.name, 'pairs.csv')));

/** A seeded, balanced subset of a pairs file, every fold kept. */
function subset(name: string, count: number): { rows: PairRow[]; root: string } {
  const root = path.join(datasets, name);
  const rows = parsePairsCsv(readFileSync(path.join(root, 'pairs.csv'), 'utf8'), name);
  const random = seededRandom(11);
  const shuffled = rows
    .map((row) => ({ row, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map((r) => r.row);
  const same = shuffled.filter((r) => r.same).slice(0, count / 2);
  const different = shuffled.filter((r) => !r.same).slice(0, count / 2);
  return { rows: [...same, ...different], root };
}

/** Per image, per recognizer: the main face's embedding (undefined: no face even at the retry). */
type Embeddings = Map<string, Map<string, Float32Array> | undefined>;

/**
 * Embeds every image once per recognizer of the packs, which all use `first`'s detector and
 * landmark model: one detection pass, one aligned crop, one run of each recognizer.
 */
async function embedGroup(first: ResolvedPack, packs: ResolvedPack[], files: string[]): Promise<Embeddings> {
  const analyzer = await FaceAnalyzer.load({ pack: first.spec.id, threads: 1 });
  const embedders = new Map<string, ArcFaceEmbedder>();
  try {
    for (const model of packs.flatMap((p) => [p.recognizer, ...p.fused])) {
      if (embedders.has(model.spec.id)) continue;
      const session = await createModelSession(model.path, { intraOpNumThreads: 1 });
      embedders.set(model.spec.id, new ArcFaceEmbedder(session, model.spec));
    }
    const out: Embeddings = new Map();
    for (const file of files) {
      let image;
      try {
        image = await decodeImage(file);
      } catch (error) {
        if (!isFaceGateError(error, 'IMAGE_UNREADABLE')) throw error;
        out.set(file, undefined);
        continue;
      }
      let main = (await analyzer.analyze(image, { embed: false })).faces[0];
      main ??= (await analyzer.analyze(image, { embed: false, detThreshold: retryDetThreshold })).faces[0];
      if (!main) {
        out.set(file, undefined);
        continue;
      }
      const perModel = new Map<string, Float32Array>();
      // Every recognizer of a pack embeds the crop aligned for its input size (FusedEmbedder too).
      const crops = new Map<number, ReturnType<ArcFaceEmbedder['align']>>();
      for (const [id, embedder] of embedders) {
        let crop = crops.get(embedder.inputSize);
        if (!crop) crops.set(embedder.inputSize, (crop = embedder.align(image, main.landmarks)));
        perModel.set(id, (await embedder.embed([crop]))[0]);
      }
      out.set(file, perModel);
    }
    return out;
  } finally {
    await analyzer.release();
    for (const embedder of embedders.values()) await embedder.release();
  }
}

describe.skipIf(skipWithout('../shared/models and ../shared/datasets/{lfw-dev,cfp-fp-dev}', ready))(
  'the default pack is the most accurate available pack on the dev pairs',
  () => {
    it('no commercially usable pack beats the default by more than the ranking margin', async () => {
      const defaultPack = (await resolvePack()).spec.id;
      const ids = (await listPacks()).filter((p) => p.available && p.commercialUse).map((p) => p.id);
      expect(ids).toContain(defaultPack);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const packs = await Promise.all(ids.map((id) => resolvePack(id)));
      const data = sets.map((s) => subset(s.name, s.pairs));
      const files = [
        ...new Set(
          data.flatMap((d) => d.rows.flatMap((r) => [path.resolve(d.root, r.a), path.resolve(d.root, r.b)])),
        ),
      ];

      // Packs grouped by detector and landmark model: one detection pass per group.
      const groups = new Map<string, ResolvedPack[]>();
      for (const pack of packs) {
        const key = `${pack.detector.spec.id}|${pack.landmarks?.spec.id ?? ''}`;
        groups.set(key, [...(groups.get(key) ?? []), pack]);
      }
      const embeddingsOf = new Map<string, Embeddings>();
      for (const group of groups.values()) {
        const embeddings = await embedGroup(group[0], group, files);
        for (const pack of group) embeddingsOf.set(pack.spec.id, embeddings);
      }

      // A pair's score for a pack: the mean of its recognizers' cosines (= the fused cosine).
      const score = (pack: ResolvedPack, a: string, b: string): number => {
        const embeddings = embeddingsOf.get(pack.spec.id)!;
        const ea = embeddings.get(a);
        const eb = embeddings.get(b);
        if (!ea || !eb) return unscoredPairScore;
        const models = [pack.recognizer, ...pack.fused].map((m) => m.spec.id);
        return (
          models.reduce((sum, id) => sum + cosineSimilarity(ea.get(id)!, eb.get(id)!), 0) / models.length
        );
      };

      // Per pack, per pair: decided correctly with the threshold fitted on the pairs' other folds.
      const correct = new Map<string, boolean[]>();
      for (const pack of packs) {
        const decided: boolean[] = [];
        for (const { rows: part, root } of data) {
          const scores = part.map((row) => ({
            score: score(pack, path.resolve(root, row.a), path.resolve(root, row.b)),
            same: row.same,
            fold: row.fold,
          }));
          for (const [i, row] of part.entries()) {
            const train = scores.filter((_, j) => part[j].fold !== row.fold);
            const { threshold } = bestThreshold(train);
            decided.push(accuracyAt([scores[i]], threshold) === 1);
          }
        }
        correct.set(pack.spec.id, decided);
      }
      const pairs = data.reduce((n, d) => n + d.rows.length, 0);
      const count = (pack: string) => correct.get(pack)!.filter(Boolean).length;
      const best = ids.reduce((a, b) => (count(b) > count(a) ? b : a));
      const mine = correct.get(defaultPack)!;
      const theirs = correct.get(best)!;
      const discordant = mine.filter((ok, i) => ok !== theirs[i]).length;
      const allowed = Math.max(2, 2 * Math.sqrt(discordant));
      const summary = ids.map((p) => `${p}: ${count(p)}/${pairs}`).join(', ');
      expect(count(best) - count(defaultPack), `default ${defaultPack}; ${summary}`).toBeLessThanOrEqual(
        allowed,
      );
    }, 900_000);
  },
);
