import type { EnrolResult } from '../../../../shared/people';
import type { MessageKey } from '../../i18n';
import { issueKeys } from '../../lib/quality-guidance';

/** How one enrolment attempt is shown: accepted, refused with the gates' reasons, or a duplicate. */
export type OutcomeStatus = 'accepted' | 'noted' | 'refused' | 'duplicate' | 'mismatch';

export interface EnrolOutcome {
  status: OutcomeStatus;
  /** The service's sentence for the admin. */
  message: string;
  /** The quality gates that refused the face (or, when noted, what was not ideal). */
  issues: MessageKey[];
  duplicateOf: { id: number; name: string; similarity: number } | null;
  /** The face enrolled (for its thumbnail), when accepted. */
  templateId: number | null;
}

export function enrolOutcome(result: EnrolResult): EnrolOutcome {
  const notes = result.quality.notes ?? [];
  const mismatch = result.quality.issues.some((i) => i.code === 'not_same_person');
  const status: OutcomeStatus = result.accepted
    ? notes.length
      ? 'noted'
      : 'accepted'
    : result.duplicateOf
      ? 'duplicate'
      : mismatch
        ? 'mismatch'
        : 'refused';
  return {
    status,
    message: result.message,
    issues: result.accepted
      ? notes.map((i) => issueKeys[i.code])
      : result.quality.issues
          .filter((i) => i.code !== 'duplicate' && i.code !== 'not_same_person')
          .map((i) => issueKeys[i.code]),
    duplicateOf: result.duplicateOf,
    templateId: result.template?.id ?? null,
  };
}
