import type { QualityIssue } from '../../../../shared/people';
import type {
  RosterFileProblem,
  RosterPlan,
  RosterProblem,
  RosterRowResult,
} from '../../../../shared/roster';
import { isMessageKey, t, type MessageKey } from '../../i18n';
import { issueKeys } from '../../lib/quality-guidance';

/** Roster import in words (docs/ui.md, "Import a roster"): problems, the plan's actions, each row's result. */

export function fileProblemText(problem: RosterFileProblem): string {
  return t(`roster.error.${problem.code}` as MessageKey, problem.params);
}

export function problemText(problem: RosterProblem): string {
  const key = `roster.problem.${problem.code}`;
  if (isMessageKey(key)) return t(key, problem.params);
  // A quality gate's code (no face, blurry …): the enrolment's own words.
  return t(issueKeys[problem.code as QualityIssue['code']] ?? 'roster.problem.other');
}

export function actionText(row: RosterPlan['rows'][number]): string {
  if (row.action === 'update' && row.person) return t('roster.action.update', { name: row.person.name });
  return t(row.action === 'create' ? 'roster.action.create' : 'roster.action.skip');
}

export function delimiterText(delimiter: RosterPlan['delimiter']): string {
  return t(
    delimiter === ','
      ? 'roster.delimiter.comma'
      : delimiter === ';'
        ? 'roster.delimiter.semicolon'
        : 'roster.delimiter.tab',
  );
}

export function resultText(result: RosterRowResult, photo: string | null): string {
  const base = { name: result.person?.name ?? result.name, photo: photo ?? '' };
  switch (result.outcome) {
    case 'matched_other':
      return t('roster.outcome.matched_other', {
        ...base,
        other: result.duplicateOf?.name ?? '',
        similarity: result.duplicateOf ? result.duplicateOf.similarity.toFixed(2) : '',
      });
    case 'photo_refused':
      return t('roster.outcome.photo_refused', {
        ...base,
        reason: result.problem ? problemText(result.problem) : t('roster.problem.other'),
      });
    case 'skipped':
      return t('roster.outcome.skipped', {
        ...base,
        reason: result.problem ? problemText(result.problem) : '',
      });
    case 'added':
      return result.problem
        ? `${t('roster.outcome.added', base)} ${problemText(result.problem)}`
        : t('roster.outcome.added', base);
    default:
      return t(`roster.outcome.${result.outcome}`, base);
  }
}
