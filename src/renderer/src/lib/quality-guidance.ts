import type { QualityIssue, QualityReport } from '../../../shared/people';
import type { MessageKey } from '../i18n';

/**
 * Live guidance while enrolling from the camera: the quality gates' issues as short instructions,
 * the most useful first (a person must first be alone and close enough before sharpness matters).
 */

const order: readonly QualityIssue['code'][] = [
  'unreadable',
  'no_face',
  'several_faces',
  'too_small',
  'not_frontal',
  'blurry',
  'low_score',
  'duplicate',
  'not_same_person',
  'already_enrolled',
  'names_disagree',
];

export const issueKeys: Readonly<Record<QualityIssue['code'], MessageKey>> = {
  unreadable: 'quality.unreadable',
  no_face: 'quality.noFace',
  several_faces: 'quality.severalFaces',
  too_small: 'quality.tooSmall',
  not_frontal: 'quality.notFrontal',
  blurry: 'quality.blurry',
  low_score: 'quality.lowScore',
  duplicate: 'quality.duplicate',
  not_same_person: 'quality.notSamePerson',
  already_enrolled: 'quality.alreadyEnrolled',
  names_disagree: 'quality.namesDisagree',
};

/** Message keys for the report's issues, most important first; empty when the face is good. */
export function guidance(report: QualityReport): MessageKey[] {
  const codes = new Set(report.issues.map((issue) => issue.code));
  if (report.faceCount === 0) codes.add('no_face');
  if (report.faceCount > 1) codes.add('several_faces');
  return order.filter((code) => codes.has(code)).map((code) => issueKeys[code]);
}
