import type { EnrolResult } from '../../../../shared/people';
import type { MessageKey } from '../../i18n';
import { issueKeys } from '../../lib/quality-guidance';

/** How one enrolment attempt is shown: accepted, refused with the gates' reasons, or a duplicate. */
export type OutcomeStatus = 'accepted' | 'refused' | 'duplicate';

export interface EnrolOutcome {
  status: OutcomeStatus;
  /** The service's sentence for the admin. */
  message: string;
  /** The quality gates that refused the face. */
  issues: MessageKey[];
  duplicateOf: { id: number; name: string; similarity: number } | null;
}

export function enrolOutcome(result: EnrolResult): EnrolOutcome {
  const status: OutcomeStatus = result.accepted ? 'accepted' : result.duplicateOf ? 'duplicate' : 'refused';
  return {
    status,
    message: result.message,
    issues: result.accepted
      ? []
      : result.quality.issues.filter((i) => i.code !== 'duplicate').map((i) => issueKeys[i.code]),
    duplicateOf: result.duplicateOf,
  };
}
