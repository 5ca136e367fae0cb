import sharp, { type Sharp } from 'sharp';
import { ArcFaceEmbedder, cosineSimilarity, FaceAnalyzer, FusedEmbedder } from '../src/core/face';
import {
  bestThreshold,
  equalErrorRate,
  rocAuc,
  tarAtFar,
  type ScoredPair,
} from '../src/core/face/evaluation/metrics';
import type { FaceEmbedder, Landmarks5 } from '../src/core/face/types';
import { alignFace, decodeImage, encodeJpeg, resizeBilinear, toGrey } from '../src/core/image';
import type { RgbImage } from '../src/core/image/types';
import { createModelSession, listPacks, resolvePack, type ModelSession } from '../src/core/models';
import type { ModelSpec } from '../src/core/models/catalog-schema';
import { recognizerIdentity } from '../src/core/models/catalog';
import { identityPhotos } from './shared-faces';
import type { BenchOptions, BenchReport, BenchRow, BenchSuite } from './suite';
import { seededRandom } from '../src/core/random';

/**
 * Recognition evidence per pack, on ../shared/faces: genuine/impostor separation of each of the
 * pack's recognizers for RGB and BGR input, with and without flip-averaged embeddings, plus a
 * landmark order sanity check (eyes and mouth corners swapped must collapse accuracy); for a pack
 * that fuses recognizers, the same for the fused recognizer as shipped. The catalog's channel
 * orders and thresholds cite this suite (`facegate bench --suite recognition`).
 *
 * Clean: every pair of the single-person photos (main face, the pack's own detector).
 * Stress (as in ../shared/models/MODELS.md): each clean crop against degraded crops of the other
 * photos, averaged over 7 conditions, for finer separation than the (too easy) clean set.
 * Threshold: the impostor cosine distribution fitted with a Gaussian (mean + 3.719 sd: FAR 1e-4),
 * which depends on the bulk of the impostor pairs rather than on the few extremes of a small set.
 */

const farTarget = 1e-4;
const zAtFar = 3.719; // one-sided standard normal quantile for 1e-4

type Variant = { name: string; channelOrder?: 'rgb' | 'bgr'; flip: boolean; swapLandmarks: boolean };

function swapped(order: 'rgb' | 'bgr', spec: ModelSpec): ModelSpec['input'] {
  const reverse = (t: readonly number[]) => [t[2], t[1], t[0]] as [number, number, number];
  const same = spec.input.channelOrder === order;
  return {
    ...spec.input,
    channelOrder: order,
    mean: same ? spec.input.mean : reverse(spec.input.mean),
    std: same ? spec.input.std : reverse(spec.input.std),
  };
}

async function viaSharp(image: RgbImage, edit: (s: Sharp) => Sharp): Promise<RgbImage> {
  const input = sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  const { data, info } = await edit(input).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  return decodeImage(await encodeJpeg(image, quality));
}

function lowRes(image: RgbImage, side: number): RgbImage {
  return resizeBilinear(resizeBilinear(image, side, side), image.width, image.height);
}

function darkNoise(image: RgbImage, seed: number): RgbImage {
  const next = seededRandom(seed);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    const gaussian = Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
    data[i] = Math.max(0, Math.min(255, Math.round(image.data[i] * 0.4 + 8 * gaussian)));
  }
  return { ...image, data };
}

function greyscale(image: RgbImage): RgbImage {
  const grey = toGrey(image).data;
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < grey.length; i++) data.fill(grey[i], 3 * i, 3 * i + 3);
  return { ...image, data };
}

/** Landmarks moved by a similarity transform: rotation, scale and shift around their centre. */
function perturb(points: Landmarks5, degrees: number, scale: number, shift: number): Landmarks5 {
  const cx = points.reduce((s, p) => s + p.x, 0) / 5;
  const cy = points.reduce((s, p) => s + p.y, 0) / 5;
  const a = (degrees * Math.PI) / 180;
  return points.map((p) => {
    const dx = p.x - cx;
    const dy = p.y - cy;
    return {
      x: cx + scale * (Math.cos(a) * dx - Math.sin(a) * dy) + shift,
      y: cy + scale * (Math.sin(a) * dx + Math.cos(a) * dy) + shift,
    };
  }) as Landmarks5;
}

interface Photo {
  identity: string;
  image: RgbImage;
  landmarks: Landmarks5;
}

const conditions: { name: string; crop: (photo: Photo, index: number, size: number) => Promise<RgbImage> }[] =
  [
    { name: 'lowres28', crop: async (p, _, s) => lowRes(alignFace(p.image, p.landmarks, s).image, 28) },
    {
      name: 'jpeg12',
      crop: (p, _, s) => jpegRoundTrip(alignFace(p.image, p.landmarks, s).image, 12),
    },
    {
      name: 'blur1.8',
      crop: (p, _, s) => viaSharp(alignFace(p.image, p.landmarks, s).image, (x) => x.blur(1.8)),
    },
    {
      name: 'dark+noise',
      crop: async (p, i, s) => darkNoise(alignFace(p.image, p.landmarks, s).image, i + 1),
    },
    { name: 'grey', crop: async (p, _, s) => greyscale(alignFace(p.image, p.landmarks, s).image) },
    {
      name: 'misaligned',
      crop: async (p, i, s) => {
        const sign = i % 2 ? 1 : -1;
        return alignFace(p.image, perturb(p.landmarks, 10 * sign, 1 + 0.1 * sign, 5 * sign), s).image;
      },
    },
    {
      name: 'hard',
      crop: async (p, i, s) => {
        const sign = i % 2 ? 1 : -1;
        const crop = alignFace(p.image, perturb(p.landmarks, 5 * sign, 1, 3 * sign), s).image;
        return darkNoise(await jpegRoundTrip(lowRes(crop, 40), 30), i + 7);
      },
    },
  ];

function moments(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

function cleanFigures(pairs: ScoredPair[]) {
  const genuine = pairs.filter((p) => p.same).map((p) => p.score);
  const impostor = pairs.filter((p) => !p.same).map((p) => p.score);
  const g = moments(genuine);
  const im = moments(impostor);
  const threshold = im.mean + zAtFar * im.sd;
  return {
    auc: rocAuc(pairs),
    eer: equalErrorRate(pairs).eer,
    bestAccuracy: bestThreshold(pairs).accuracy,
    bestThreshold: bestThreshold(pairs).threshold,
    sameMean: g.mean,
    sameSd: g.sd,
    sameMin: Math.min(...genuine),
    diffMean: im.mean,
    diffSd: im.sd,
    diffMax: Math.max(...impostor),
    dPrime: (g.mean - im.mean) / Math.sqrt((g.sd ** 2 + im.sd ** 2) / 2),
    threshold,
    far: impostor.filter((s) => s >= threshold).length / impostor.length,
    frr: genuine.filter((s) => s < threshold).length / genuine.length,
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
  };
}

async function measureVariant(embedder: FaceEmbedder, photos: Photo[], variant: Variant) {
  const size = embedder.inputSize;
  const order = (l: Landmarks5): Landmarks5 => (variant.swapLandmarks ? [l[1], l[0], l[2], l[4], l[3]] : l);
  const clean = await embedder.embed(photos.map((p) => alignFace(p.image, order(p.landmarks), size).image));
  const cleanPairs: ScoredPair[] = [];
  for (let i = 0; i < photos.length; i++)
    for (let j = i + 1; j < photos.length; j++)
      cleanPairs.push({
        score: cosineSimilarity(clean[i], clean[j]),
        same: photos[i].identity === photos[j].identity,
      });
  const figures = cleanFigures(cleanPairs);
  if (variant.swapLandmarks) return { ...figures, stress: undefined };

  const perCondition: { condition: string; auc: number; eer: number; tarAtFar1e2: number }[] = [];
  for (const condition of conditions) {
    const crops = await Promise.all(photos.map((p, i) => condition.crop(p, i, size)));
    const degraded = await embedder.embed(crops);
    const pairs: ScoredPair[] = [];
    for (let i = 0; i < photos.length; i++)
      for (let j = 0; j < photos.length; j++)
        if (i !== j)
          pairs.push({
            score: cosineSimilarity(clean[i], degraded[j]),
            same: photos[i].identity === photos[j].identity,
          });
    perCondition.push({
      condition: condition.name,
      auc: rocAuc(pairs),
      eer: equalErrorRate(pairs).eer,
      tarAtFar1e2: tarAtFar(pairs, 1e-2).tar,
    });
  }
  const mean = (key: 'auc' | 'eer' | 'tarAtFar1e2') =>
    perCondition.reduce((s, c) => s + c[key], 0) / perCondition.length;
  return {
    ...figures,
    stress: { auc: mean('auc'), eer: mean('eer'), tarAtFar1e2: mean('tarAtFar1e2'), perCondition },
  };
}

type Measured = Awaited<ReturnType<typeof measureVariant>>;

/** The table row and the JSON detail of one recognizer variant. */
function report(
  packId: string,
  recognizer: string,
  variant: Variant,
  shipped: boolean,
  photos: Photo[],
  m: Measured,
) {
  const row: BenchRow = {
    pack: packId,
    recognizer,
    variant: variant.name + (shipped ? ' *' : ''),
    photos: photos.length,
    'clean AUC': Number(m.auc.toFixed(4)),
    'best acc %': Number((m.bestAccuracy * 100).toFixed(2)),
    'same mean': Number(m.sameMean.toFixed(3)),
    'diff mean': Number(m.diffMean.toFixed(3)),
    "d'": Number(m.dPrime.toFixed(2)),
    'minSame-maxDiff': Number((m.sameMin - m.diffMax).toFixed(3)),
    'stress AUC': m.stress ? Number(m.stress.auc.toFixed(4)) : null,
    'stress EER %': m.stress ? Number((m.stress.eer * 100).toFixed(2)) : null,
    'stress TAR@1%': m.stress ? Number((m.stress.tarAtFar1e2 * 100).toFixed(1)) : null,
    'thr@FAR1e-4': Number(m.threshold.toFixed(3)),
  };
  return { row, detail: { pack: packId, recognizer, variant, shipped, ...m } };
}

/** Each model alone: RGB and BGR, with and without flip, and its shipped order with landmarks swapped. */
function singleModelVariants(spec: ModelSpec): Variant[] {
  const shipped = spec.input.channelOrder as 'rgb' | 'bgr';
  return [
    ...(['rgb', 'bgr'] as const).flatMap((order) => [
      { name: order, channelOrder: order, flip: false, swapLandmarks: false },
      { name: `${order}+flip`, channelOrder: order, flip: true, swapLandmarks: false },
    ]),
    { name: `${shipped}, landmarks swapped`, channelOrder: shipped, flip: false, swapLandmarks: true },
  ];
}

/** The fused recognizer as shipped (every model in its catalog order), with flip, and landmarks swapped. */
const fusedVariants: Variant[] = [
  { name: 'fused', flip: false, swapLandmarks: false },
  { name: 'fused+flip', flip: true, swapLandmarks: false },
  { name: 'fused, landmarks swapped', flip: false, swapLandmarks: true },
];

/** An embedder for a variant. Sessions are shared between variants, so nothing is released here. */
function variantEmbedder(
  models: { spec: ModelSpec; session: ModelSession }[],
  variant: Variant,
): FaceEmbedder {
  const members = models.map(({ spec, session }) => {
    const input = variant.channelOrder ? swapped(variant.channelOrder, spec) : spec.input;
    return new ArcFaceEmbedder(session, { ...spec, input }, { flipAugment: variant.flip });
  });
  return members.length > 1 ? new FusedEmbedder(members) : members[0];
}

export const recognitionSuite: BenchSuite = {
  name: 'recognition',
  summary:
    'Recognizer evidence on ../shared/faces: channel order, flip averaging, fusion, landmark order, threshold',
  async run(options: BenchOptions): Promise<BenchReport> {
    const packs = options.packs.length
      ? options.packs
      : (await listPacks()).filter((p) => p.available).map((p) => p.id);
    const rows: BenchRow[] = [];
    const details: unknown[] = [];
    const files = identityPhotos();
    for (const packId of packs) {
      options.log(`recognition: pack ${packId}: detecting ${files.length} photos`);
      const analyzer = await FaceAnalyzer.load({ pack: packId });
      const photos: Photo[] = [];
      for (const file of files) {
        const image = await decodeImage(file.path);
        const face = (await analyzer.analyze(image, { embed: false, maxFaces: 1 })).faces[0];
        if (face) photos.push({ identity: file.identity, image, landmarks: face.landmarks });
        else options.log(`recognition: ${packId}: no face in ${file.file}`);
      }
      await analyzer.release();
      const pack = await resolvePack(packId);
      const recognizers = [pack.recognizer, ...pack.fused];
      const models = await Promise.all(
        recognizers.map(async (m) => ({ spec: m.spec, session: await createModelSession(m.path) })),
      );
      try {
        const runs: { recognizer: string; variant: Variant; shipped: boolean; models: typeof models }[] = [];
        for (const model of models) {
          for (const variant of singleModelVariants(model.spec)) {
            const shipped =
              recognizers.length === 1 &&
              variant.channelOrder === model.spec.input.channelOrder &&
              !variant.flip &&
              !variant.swapLandmarks;
            runs.push({ recognizer: model.spec.id, variant, shipped, models: [model] });
          }
        }
        if (models.length > 1) {
          const fusedId = recognizerIdentity(recognizers.map((m) => m.spec)).id;
          for (const variant of fusedVariants) {
            const shipped = !variant.flip && !variant.swapLandmarks;
            runs.push({ recognizer: fusedId, variant, shipped, models });
          }
        }
        for (const run of runs) {
          options.log(`recognition: ${packId} / ${run.recognizer} / ${run.variant.name}`);
          const m = await measureVariant(variantEmbedder(run.models, run.variant), photos, run.variant);
          const { row, detail } = report(packId, run.recognizer, run.variant, run.shipped, photos, m);
          rows.push(row);
          details.push(detail);
        }
      } finally {
        for (const { session } of models) await session.release();
      }
    }
    return {
      suite: 'recognition',
      rows,
      notes: [
        "* = the pack as shipped (its recognizer in the catalog's channel order, or its fused recognizer).",
        'Clean: every pair of the single-person photos of ../shared/faces (main face, pack detector);',
        "d' = (same mean - diff mean) / pooled sd. Fused: each model in its catalog order, embeddings",
        "L2-normalised, concatenated, normalised again (cosine = mean of the models' cosines).",
        'Stress: clean crops against degraded crops of the other photos (lowres 28 px, JPEG q12, blur 1.8,',
        'dark+noise, grey, misaligned, combined), averaged. thr@FAR1e-4: impostor mean + 3.719 sd (Gaussian',
        `fit of the different-person cosines; FAR ${farTarget}). A small, easy set: compare orders, not absolutes.`,
      ],
      details,
    };
  },
};
