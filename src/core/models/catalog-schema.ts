import { z } from 'zod';

/**
 * The shape of resources/models/catalog.json. Every per-model constant the pipeline needs
 * (input size, normalisation, channel order, output layout) lives in the catalog, never in
 * code branches scattered through the pipeline (DESIGN.md).
 */

export const modelTasks = ['detection', 'recognition', 'landmarks', 'liveness', 'attributes'] as const;
export type ModelTask = (typeof modelTasks)[number];

/** Which decoder reads the model's outputs. */
export const modelKinds = [
  'scrfd', // InsightFace SCRFD detectors (6/9/10/15 outputs)
  'yunet', // libfacedetection YuNet (cls/obj/bbox/kps per stride)
  'ultraface', // Ultra-Light-Fast-Generic-Face-Detector (scores + boxes, no keypoints)
  'landmark68', // 68-point landmark regressor on a face crop
  'arcface', // any ArcFace-style embedder on an aligned 112x112 crop
  'minifasnet', // Silent-Face MiniFASNet liveness (scaled crop around the box)
  'faceplugin-liveness', // the npm starter pack's fr_liveness.onnx
  'face-antispoof', // face-antispoof-onnx: a stream second opinion (square 1.5x crop, reflect-101 padded)
  'landmark106', // InsightFace 2d106det (106 points on a 192x192 crop); listed, not used by a pack
  'genderage', // InsightFace genderage (96x96 crop); listed, not used by a pack
] as const;
export type ModelKind = (typeof modelKinds)[number];

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const licenceSchema = z.object({
  name: z.string(),
  commercialUse: z.boolean(),
  notes: z.string().optional(),
});

export const inputSpecSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** True when the graph accepts other sizes (e.g. SCRFD's dynamic H and W). */
  dynamicSize: z.boolean().default(false),
  /** Order of the three channels the model expects in its NCHW input; 'grey' is one luma plane. */
  channelOrder: z.enum(['rgb', 'bgr', 'grey']),
  /** Input value = (pixel0to255 - mean[c]) / std[c], per channel in channelOrder ('grey': index 0). */
  mean: triple,
  std: triple,
});

export const modelSpecSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  title: z.string(),
  task: z.enum(modelTasks),
  kind: z.enum(modelKinds),
  /** File name, and the sub-folder it conventionally lives in under a models root ('' for none). */
  fileName: z.string(),
  folder: z.string().default(''),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  licence: licenceSchema,
  urls: z.array(z.string()).default([]),
  input: inputSpecSchema,
  /** Decoder-specific layout (strides, anchors, embedding size, crop scale, ...). */
  output: z.record(z.string(), z.unknown()).default({}),
  /** How the preprocessing (channel order above all) was decided: measurement, source. */
  evidence: z.string().optional(),
  /** Where the file comes from and how its authenticity was checked. */
  source: z.string().optional(),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const packSpecSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  title: z.string(),
  description: z.string().default(''),
  detector: z.string(),
  recognizer: z.string(),
  /**
   * Further recognizers fused with `recognizer` at score level (an ensemble of independently
   * trained embedders, whose errors are partly independent). Every one must be a recognition
   * model with the main recognizer's input size: each embeds the same aligned crop (with its own
   * mean, std and channel order), each embedding is L2-normalised, they are concatenated in order
   * (the main recognizer first) and the concatenation is L2-normalised again. The cosine of two
   * fused embeddings is then the mean of the models' cosines. Fused models are required files of
   * the pack, and the gallery keeps their templates apart from any single model's (the fused
   * recognizer's id is the ids joined with '+'). Empty: the main recognizer alone.
   */
  fuse: z.array(z.string()).default([]),
  landmarks: z.string().optional(),
  liveness: z.array(z.string()).default([]),
  /** Default cosine threshold for 1:1 verification, and how it was measured. */
  threshold: z.number(),
  thresholdEvidence: z.string(),
  /**
   * The pack's different-person (impostor) cosine distribution on the dev pairs, fitted with a
   * Gaussian: the 1:N threshold grows with the gallery from it (src/core/gallery/gallery-threshold.ts).
   */
  impostor: z
    .object({
      mean: z.number(),
      sd: z.number().positive(),
      pairs: z.int().positive(),
      /**
       * The measured tail: [score, share of impostor pairs at or above it], scores ascending, down
       * to the rarest rate the pairs resolve (10 pairs); beyond it the last step's slope is extended.
       */
      tail: z
        .array(z.tuple([z.number(), z.number().positive()]))
        .min(2)
        .optional(),
      evidence: z.string(),
    })
    .optional(),
  /**
   * The pack's same-person (genuine) cosine scores on the dev pairs as quantiles at equal steps from
   * 0 to 100 %: `calibrate` estimates from them how many genuine matches a threshold refuses.
   */
  genuine: z
    .object({ quantiles: z.array(z.number()).min(2), pairs: z.int().positive(), evidence: z.string() })
    .optional(),
  /** Liveness threshold in [0, 1] for this pack's liveness models, and how it was measured. */
  livenessThreshold: z.number().min(0).max(1).optional(),
  livenessThresholdEvidence: z.string().optional(),
  /**
   * A second liveness model the access policy consults on a few frames of a track whose decision is
   * near (face-antispoof-onnx): where its lower median is under its threshold, a face the pair would
   * let in is challenged instead. Configured but not loaded: liveness is unavailable (door shut).
   */
  livenessSecondOpinion: z.string().optional(),
  livenessSecondOpinionThreshold: z.number().min(0).max(1).optional(),
  livenessSecondOpinionEvidence: z.string().optional(),
});
export type PackSpec = z.infer<typeof packSpecSchema>;

export const catalogSchema = z.object({
  version: z.literal(1),
  /** Pack ids tried in order when none is configured: the first whose files are all present wins. */
  defaultPacks: z.array(z.string()),
  models: z.array(modelSpecSchema),
  packs: z.array(packSpecSchema),
});
export type Catalog = z.infer<typeof catalogSchema>;
