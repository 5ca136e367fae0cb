import type { EnrolResult, Person, PersonCreate, TemplateSource } from '../../shared/people';
import { FaceGateError } from '../errors';
import type { AnalyzedFace } from '../face/types';
import { encodeJpeg } from '../image/decode';
import type { Gallery } from './gallery';
import { assessFaces, defaultQualityGates, type QualityGates } from './quality';
import type { ModelRef } from './template-repository';

/** The faces of one photo or camera frame, as FaceAnalyzer.analyze() returns them (main face first). */
export interface FacesInImage {
  width: number;
  height: number;
  faces: readonly AnalyzedFace[];
}

export interface EnrolOptions {
  /** The person to enrol the face for; or newPerson, created only once the face is accepted. */
  personId?: number;
  newPerson?: PersonCreate;
  source: TemplateSource;
  /** Where the face came from: a file name, a camera name. */
  sourceRef?: string | null;
  /** The recognizer that produced the embeddings. */
  model: ModelRef;
  /** Similarity at which a face counts as someone already enrolled (the match threshold). */
  duplicateThreshold: number;
  /** Enrol even when the face matches another person. */
  force?: boolean;
  gates?: Partial<QualityGates>;
  /** Who is enrolling (audit log). */
  actor: string;
  /**
   * Runs in the same transaction as the new template (and the new person): a record that must
   * exist exactly when the template does, such as an import's "this photo was imported". If it
   * throws, neither is kept.
   */
  alongside?: (enrolled: { personId: number; templateId: number }) => void;
}

/** JPEG quality of the stored aligned crops: high, since a future model re-embeds from them. */
const cropJpegQuality = 95;

/**
 * Enrols the main face of a photo or frame for a person, after the quality gates and the
 * duplicate check. One code path for photos (CLI, admin upload) and camera frames (kiosk, admin
 * camera). A refusal is a result with the reasons, not an error.
 */
export async function enrolFace(
  gallery: Gallery,
  image: FacesInImage,
  options: EnrolOptions,
): Promise<EnrolResult & { person: Person | null }> {
  const gates = { ...defaultQualityGates, ...options.gates };
  const { quality: measured, ...report } = assessFaces(image.faces, gates);
  const existing = options.personId !== undefined ? gallery.people.require(options.personId) : null;
  if (!existing && !options.newPerson) {
    throw new FaceGateError(
      'INVALID_INPUT',
      'Say whom to enrol: a person id, or the details of a new person.',
    );
  }
  const name = existing?.name ?? options.newPerson!.name;
  const refuse = (message: string, duplicateOf: EnrolResult['duplicateOf'] = null) => ({
    accepted: false,
    template: null,
    quality: report,
    duplicateOf,
    message,
    person: existing,
  });
  if (!report.ok || !measured) return refuse(report.issues.map((i) => i.message).join(' '));

  const face = image.faces[0];
  if (!face.embedding || !face.aligned) {
    return refuse('The face engine returned no embedding for this face; enrol it again.');
  }
  gallery.useModel(options.model);
  const rival = gallery
    .search(face.embedding, 3)
    .find((c) => c.personId !== existing?.id && c.score >= options.duplicateThreshold);
  if (rival && !options.force) {
    const duplicateOf = { id: rival.personId, name: rival.name, similarity: rival.score };
    report.ok = false;
    report.issues.push({
      code: 'duplicate',
      message: `This face already matches ${rival.name} (id ${rival.personId}, similarity ${rival.score.toFixed(3)}).`,
    });
    return refuse(
      `Refused: this face already matches ${rival.name} (id ${rival.personId}, similarity ${rival.score.toFixed(3)}). ` +
        `If it really is ${name}, enrol again with force.`,
      duplicateOf,
    );
  }

  const cropJpeg = await encodeJpeg(face.aligned, cropJpegQuality);
  const vector = face.embedding;
  let written;
  try {
    written = gallery.db.transaction(() => {
      const person = existing ?? gallery.createPerson(options.newPerson!, options.actor);
      const template = gallery.addTemplate(
        {
          personId: person.id,
          source: options.source,
          sourceRef: options.sourceRef ?? null,
          quality: measured,
          cropJpeg,
          embedding: { ...options.model, vector },
        },
        options.actor,
        rival ? { forced: true, matched: { personId: rival.personId, similarity: rival.score } } : {},
      );
      options.alongside?.({ personId: person.id, templateId: template.id });
      return { person, template };
    });
  } catch (error) {
    // Rolled back: the search index may hold the template that is gone; rebuild it.
    gallery.refresh();
    throw error;
  }
  const { person, template } = written;
  return {
    accepted: true,
    template,
    quality: report,
    duplicateOf: rival ? { id: rival.personId, name: rival.name, similarity: rival.score } : null,
    message: `Enrolled a face for ${person.name} (${person.templateCount + 1} in total).`,
    person: gallery.people.require(person.id),
  };
}
