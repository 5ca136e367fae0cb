import { describe, expect, it } from 'vitest';
import { qualityIssueCodes } from '../../../src/shared/people';
import { rosterFileProblemCodes, rosterOutcomes, rosterProblemCodes } from '../../../src/shared/roster';
import { isMessageKey } from '../../../src/renderer/src/i18n';
import { fileProblemText, problemText, resultText } from '../../../src/renderer/src/admin/import/roster-text';

/** Every roster problem and outcome the service can send has words in the dictionary. */
describe('roster import in words', () => {
  it('has a sentence for every file problem, row problem and outcome', () => {
    for (const code of rosterFileProblemCodes) expect(isMessageKey(`roster.error.${code}`), code).toBe(true);
    for (const code of rosterProblemCodes) expect(isMessageKey(`roster.problem.${code}`), code).toBe(true);
    for (const outcome of rosterOutcomes)
      expect(isMessageKey(`roster.outcome.${outcome}`), outcome).toBe(true);
  });

  it('fills in the values and never shows a code', () => {
    expect(fileProblemText({ code: 'not_utf8', message: 'x', params: { line: 7 } })).toBe(
      'This file is not UTF-8 text (line 7). In Excel use “Save as… CSV UTF-8”; in LibreOffice pick “Unicode (UTF-8)”.',
    );
    expect(problemText({ code: 'duplicate_code', message: 'x', params: { code: 'E5', lines: '6' } })).toBe(
      'The employee code E5 is also on line 6.',
    );
    for (const code of qualityIssueCodes) {
      expect(problemText({ code, message: 'x', params: {} })).not.toMatch(/_|roster\./);
    }
    expect(
      resultText(
        {
          line: 3,
          name: 'Mallory',
          outcome: 'matched_other',
          person: { id: 4, name: 'Mallory' },
          template: null,
          duplicateOf: { id: 1, name: 'Katy', similarity: 0.8123 },
          problem: { code: 'matched_other', message: 'x', params: {} },
        },
        'mallory.jpg',
      ),
    ).toBe('Mallory: added, but the face in mallory.jpg is Katy’s (similarity 0.81); it was not enrolled.');
  });
});
