import { decodeImage } from '../image/decode';
import { recognizerOf, type FaceEngine } from './face-engine';
import type { Gallery } from './gallery';

export interface ReembedReport {
  model: string;
  /** Templates that had no embedding from this model file. */
  needed: number;
  embedded: number;
  /** Templates enrolled without a stored crop: they need the person again. */
  withoutCrop: number[];
  failed: { templateId: number; message: string }[];
}

/**
 * Gives every template an embedding from the engine's recognizer, computed from its stored
 * aligned crop: after a model change nobody has to come back to the desk. Templates that already
 * have an embedding from this exact model file are left alone, so it can be re-run.
 */
export async function reembedGallery(
  gallery: Gallery,
  engine: FaceEngine,
  options: { actor: string; onProgress?: (done: number, total: number) => void },
): Promise<ReembedReport> {
  const model = recognizerOf(engine);
  gallery.useModel(model);
  const todo = gallery.templates.needingEmbedding(model);
  const report: ReembedReport = {
    model: model.modelId,
    needed: todo.length,
    embedded: 0,
    withoutCrop: [],
    failed: [],
  };
  for (const [i, item] of todo.entries()) {
    if (!item.hasCrop) report.withoutCrop.push(item.templateId);
    else {
      try {
        const crop = await decodeImage(
          gallery.templates.crop(item.templateId)!,
          `template ${item.templateId}`,
        );
        gallery.putEmbedding(item.templateId, model, await engine.embedAligned(crop));
        report.embedded++;
      } catch (error) {
        report.failed.push({ templateId: item.templateId, message: (error as Error).message });
      }
    }
    options.onProgress?.(i + 1, todo.length);
  }
  if (todo.length > 0) {
    gallery.audit.record({
      action: 'templates.reembed',
      actor: options.actor,
      target: `model:${model.modelId}`,
      details: {
        model: model.modelId,
        sha256: model.modelSha256,
        embedded: report.embedded,
        withoutCrop: report.withoutCrop.length,
        failed: report.failed.length,
      },
    });
  }
  return report;
}
