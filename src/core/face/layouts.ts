import { z } from 'zod';
import { FaceGateError } from '../errors';

/**
 * The decoder layouts read from a catalog model's `output` record, one schema per model kind.
 * Defaults are the upstream constants, so a model recognised from an unknown folder still decodes.
 */

const strides = z.array(z.number().int().positive()).min(1);
/** Index into the model's 5 landmarks for each of ours (image-left eye, image-right eye, nose, ...). */
const landmarkOrder = z
  .array(z.number().int().min(0).max(4))
  .length(5)
  .refine((order) => new Set(order).size === 5, 'landmarkOrder must be a permutation of 0..4')
  .default([0, 1, 2, 3, 4]);

/** Per-model detection defaults; FaceAnalyzer.load options override them. */
const detectionDefaults = {
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  nmsThreshold: z.number().min(0).max(1).default(0.4),
};

export const scrfdLayoutSchema = z.object({
  /** Feature strides, in the order of the model's output groups (scores, boxes, keypoints). */
  strides: strides.default([8, 16, 32]),
  anchorsPerCell: z.number().int().positive().default(2),
  keypoints: z.boolean().default(true),
  landmarkOrder,
  ...detectionDefaults,
});
export type ScrfdLayout = z.infer<typeof scrfdLayoutSchema>;

export const yunetLayoutSchema = z.object({
  strides: strides.default([8, 16, 32]),
  landmarkOrder,
  ...detectionDefaults,
  scoreThreshold: z.number().min(0).max(1).default(0.6),
  nmsThreshold: z.number().min(0).max(1).default(0.3),
});
export type YunetLayout = z.infer<typeof yunetLayoutSchema>;

export const ultrafaceLayoutSchema = z.object({
  /** 'corners': the graph already decodes boxes to [0,1] corners; 'priors': raw SSD offsets. */
  boxEncoding: z.enum(['corners', 'priors']).default('corners'),
  minSizes: z.array(z.array(z.number().positive())).default([
    [10, 16, 24],
    [32, 48],
    [64, 96],
    [128, 192, 256],
  ]),
  steps: z.array(z.number().positive()).default([8, 16, 32, 64]),
  variance: z.tuple([z.number(), z.number()]).default([0.1, 0.2]),
  /** How the frame goes into the fixed input: stretched (upstream) or letterboxed (keeps face shape). */
  resize: z.enum(['stretch', 'letterbox']).default('letterbox'),
  ...detectionDefaults,
  scoreThreshold: z.number().min(0).max(1).default(0.7),
});
export type UltrafaceLayout = z.infer<typeof ultrafaceLayoutSchema>;

export const landmark68LayoutSchema = z.object({
  /** The face crop is the detector box made square (side = box height) times this scale. */
  cropScale: z.number().positive().default(1),
});
export type Landmark68Layout = z.infer<typeof landmark68LayoutSchema>;

export const arcfaceLayoutSchema = z.object({
  /** Checked against the model's output when present (128 or 512 for the models we know). */
  embeddingSize: z.number().int().positive().optional(),
});
export type ArcfaceLayout = z.infer<typeof arcfaceLayoutSchema>;

/** Parses a model's `output` record, naming the model when the catalog entry is malformed. */
export function parseLayout<T extends z.ZodType>(schema: T, output: unknown, modelId: string): z.infer<T> {
  const parsed = schema.safeParse(output ?? {});
  if (!parsed.success) {
    throw new FaceGateError(
      'MODEL_LOAD',
      `The catalog entry of model '${modelId}' has an invalid 'output' layout: ${z.prettifyError(parsed.error)}. ` +
        'Fix resources/models/catalog.json.',
    );
  }
  return parsed.data;
}
