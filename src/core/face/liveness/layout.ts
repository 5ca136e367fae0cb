import { z } from 'zod';
import type { ModelSpec } from '../../models/catalog-schema';
import { parseLayout } from '../layouts';
import { identityAdapter, type BoxAdapter } from './crop';

const adapterSchema = z.object({
  dx: z.number(),
  dy: z.number(),
  sw: z.number().positive(),
  sh: z.number().positive(),
});

/** The `output` record of a liveness model in resources/models/catalog.json. */
export const livenessLayoutSchema = z.object({
  /** Context crop: this many times the face box around its centre (2.7, 4.0, ...). */
  cropScale: z.number().positive(),
  /** Index of the "live face" class in the softmax of the model's logits. */
  liveClass: z.number().int().nonnegative(),
  /**
   * Per detector kind (scrfd, yunet, ultraface): how that detector's boxes map onto the boxes of
   * the detector the model was trained with (measured on the same faces; docs/liveness.md).
   * A detector kind not listed is used as is.
   */
  boxAdapters: z.record(z.string(), adapterSchema).default({}),
  /**
   * Background the model needs on every side of the face to judge it, as a fraction of the face box
   * (JudgeRule.minContextMargin), where it was measured; absent: defaultJudgeRule's. docs/liveness.md.
   */
  minContextMargin: z.number().min(0).max(1).optional(),
});
export type LivenessLayout = z.infer<typeof livenessLayoutSchema>;

export function livenessLayout(spec: ModelSpec): LivenessLayout {
  return parseLayout(livenessLayoutSchema, spec.output, spec.id);
}

export function boxAdapterFor(layout: LivenessLayout, detectorKind: string): BoxAdapter {
  return layout.boxAdapters[detectorKind] ?? identityAdapter;
}
