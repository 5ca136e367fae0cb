import type { EnrolResult, Person, PersonCreate, TemplateSource } from '../../shared/people';
import { FaceGateError } from '../errors';
import type { AnalyzedFace } from '../face/types';
import { encodeJpeg } from '../image/decode';
import type { Gallery } from './gallery';
import { DeskWrites, type GalleryWrites } from './gallery-writes';
import { assessFaces, defaultQualityGates, type QualityGates } from './quality';
import type { ModelRef } from './template-repository';

export type { EnrolWrite } from './gallery-writes';

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
  /**
   * Enrol even when the face matches another person: the administrator saw both faces and confirmed
   * they are different people; the pair is stored (Gallery.confirmDifferentPeople).
   */
  force?: boolean;
  gates?: Partial<QualityGates>;
  /** Refuse every face that misses a gate (the old behaviour) instead of enrolling it with a note. */
  strict?: boolean;
  /**
   * sha256 of the photo file: the same photo (same content) is never enrolled twice, for anyone,
   * force or not. Absent for camera frames.
   */
  contentSha256?: string | null;
  /**
   * A new face for an existing person must reach this similarity with at least one of that
   * person's own templates (default: samePersonFloor); below it the enrolment is refused as
   * "not the same person" unless forced.
   */
  samePersonThreshold?: number;
  /** Who is enrolling (audit log). */
  actor: string;
  /**
   * Where the accepted face is stored: the single desk's file (the default) or, at a site kiosk,
   * the site database (src/core/site). Same gates and checks either way; the face is read back
   * from this gallery once stored.
   */
  writes?: GalleryWrites;
}

/**
 * Below this similarity to every one of a person's own templates, a new face is a clear mismatch
 * (docs/gallery.md, "Same-person check": measured on the dev pairs).
 */
export const samePersonFloor = 0.25;

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
  const { quality: measured, ...report } = assessFaces(image.faces, gates, {
    strict: options.strict,
    centre: { x: image.width / 2, y: image.height / 2 },
  });
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
  const writes = options.writes ?? new DeskWrites(gallery);
  if (options.contentSha256) {
    const before = await writes.photoRecord(options.contentSha256);
    if (before && before.templateId !== null) {
      const whose = before.personId === existing?.id ? name : before.name;
      const message = `This very photo is already enrolled for ${whose}; a second copy adds nothing. Use a different photo.`;
      report.ok = false;
      report.issues.push({ code: 'already_enrolled', message });
      return refuse(message);
    }
  }
  if (!report.ok || !measured) return refuse(report.issues.map((i) => i.message).join(' '));

  const face = image.faces[0];
  if (!face.embedding || !face.aligned) {
    return refuse('The face engine returned no embedding for this face; enrol it again.');
  }
  gallery.useModel(options.model);
  const rivals = gallery
    .search(face.embedding, 3)
    .filter((c) => c.personId !== existing?.id && c.score >= options.duplicateThreshold);
  const rival = rivals[0];
  if (rival && !options.force) {
    const duplicateOf = { id: rival.personId, name: rival.name, similarity: rival.score };
    report.ok = false;
    report.issues.push({
      code: 'duplicate',
      message: `This face already matches ${rival.name} (id ${rival.personId}, similarity ${rival.score.toFixed(3)}).`,
    });
    return refuse(
      `Not enrolled: this face looks like ${rival.name}, who is already enrolled. ` +
        `If this really is ${name} and not ${rival.name}, confirm that they are different people (enrol with force).`,
      duplicateOf,
    );
  }
  const own = existing ? ownBestSimilarity(gallery, existing.id, face.embedding) : null;
  const sameFloor = options.samePersonThreshold ?? samePersonFloor;
  if (own !== null && own < sameFloor && !options.force) {
    const message =
      `Not enrolled: this face does not look like ${name}'s other photos (best similarity ${own.toFixed(2)}). ` +
      `Check that the photo shows ${name}; if it does (a new haircut, glasses, years later), enrol it anyway.`;
    report.ok = false;
    report.issues.push({ code: 'not_same_person', message });
    return refuse(message);
  }

  const cropJpeg = await encodeJpeg(face.aligned, cropJpegQuality);
  const notes = report.notes ?? [];
  const vector = face.embedding;
  const { personId, templateId } = await writes.enrol(
    {
      person: existing,
      newPerson: existing ? null : options.newPerson!,
      template: {
        source: options.source,
        sourceRef: options.sourceRef ?? null,
        quality: measured,
        cropJpeg,
        embedding: { ...options.model, vector },
      },
      contentSha256: options.contentSha256 ?? null,
      confirmedDifferent: rivals.map((other) => ({ personId: other.personId, similarity: other.score })),
      details: {
        ...(rival ? { forced: true, matched: { personId: rival.personId, similarity: rival.score } } : {}),
        ...(own !== null && own < sameFloor ? { forcedSamePerson: true, ownSimilarity: own } : {}),
        ...(notes.length ? { qualityNotes: notes.map((n) => n.code) } : {}),
      },
    },
    options.actor,
  );
  const person = gallery.people.require(personId);
  const template = gallery.templates.listForPerson(personId).find((t) => t.id === templateId);
  if (!template) {
    throw new FaceGateError(
      'DATABASE',
      `The face was stored for ${person.name} but has not reached this copy yet; it will within moments.`,
    );
  }
  return {
    accepted: true,
    template,
    quality: report,
    duplicateOf: rival ? { id: rival.personId, name: rival.name, similarity: rival.score } : null,
    message: `Enrolled a face for ${person.name} (${person.templateCount} in total).${noteLine(notes)}`,
    person,
  };
}

function noteLine(notes: readonly { message: string }[]): string {
  return notes.length
    ? ` Enrolled with a note (usable, not ideal): ${notes.map((n) => n.message).join(' ')} A better photo can be added later.`
    : '';
}

/** The best similarity of an embedding with one person's own templates of the active model, or null without any. */
export function ownBestSimilarity(
  gallery: Gallery,
  personId: number,
  embedding: Float32Array,
): number | null {
  const model = gallery.model;
  if (!model) return null;
  let best: number | null = null;
  for (const stored of gallery.templates.embeddingsFor(model.modelId)) {
    if (stored.personId !== personId || stored.modelSha256 !== model.modelSha256) continue;
    if (stored.vector.length !== embedding.length) continue;
    let dot = 0;
    for (let i = 0; i < embedding.length; i++) dot += embedding[i] * stored.vector[i];
    best = best === null ? dot : Math.max(best, dot);
  }
  return best;
}
