import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  livenessErrorRates,
  parseLivenessLabels,
  type LivenessOutcome,
} from '../../../src/core/face/liveness/evaluation';
import { isFaceGateError } from '../../../src/core/errors';
import { hasSharedFaces, spoofDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

describe('parseLivenessLabels', () => {
  it('reads file and label, keeps the attack type, and ignores other columns', () => {
    const labels = parseLivenessLabels(
      'file,label,attack_type,notes\na.jpg,spoof,print,"held up, sideways"\nb.jpg,REAL,,\n\n',
    );
    expect(labels).toEqual([
      { file: 'a.jpg', label: 'spoof', attackType: 'print', source: '', line: 2 },
      { file: 'b.jpg', label: 'real', attackType: '', source: '', line: 3 },
    ]);
  });

  it('refuses a file without the file and label columns, naming what it found', () => {
    let error: unknown;
    try {
      parseLivenessLabels('path,kind\na.jpg,real\n', 'x.csv');
    } catch (e) {
      error = e;
    }
    expect(isFaceGateError(error, 'INVALID_INPUT')).toBe(true);
    expect((error as Error).message).toContain("'path,kind'");
  });

  it('refuses a label other than real or spoof, with the line number', () => {
    expect(() => parseLivenessLabels('file,label\na.jpg,real\nb.jpg,fake\n', 'x.csv')).toThrow(/line 3/);
  });

  it.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
    'reads the shared spoof labels (needs ../shared/faces)',
    () => {
      const labels = parseLivenessLabels(readFileSync(path.join(spoofDir, 'labels.csv'), 'utf8'));
      expect(labels).toHaveLength(7);
      expect(labels.filter((l) => l.label === 'spoof').map((l) => l.attackType)).toEqual([
        'print',
        'screen_replay',
        'print',
        'screen_replay',
      ]);
    },
  );
});

describe('livenessErrorRates (ISO/IEC 30107-3)', () => {
  const o = (
    label: 'real' | 'spoof',
    verdict: LivenessOutcome['verdict'],
    attackType = '',
  ): LivenessOutcome => ({
    label,
    attackType,
    score: verdict === 'live' ? 0.9 : 0.1,
    verdict,
  });

  it('counts accepted attacks as APCER and rejected real faces as BPCER, per attack species', () => {
    const rates = livenessErrorRates([
      o('spoof', 'live', 'print'),
      o('spoof', 'spoof', 'print'),
      o('spoof', 'spoof', 'screen_replay'),
      o('spoof', 'spoof', 'screen_replay'),
      o('real', 'live'),
      o('real', 'spoof'),
      o('real', 'live'),
      o('real', 'live'),
    ]);
    expect(rates.apcer).toEqual({ errors: 1, total: 4, rate: 0.25 });
    expect(rates.apcerBySpecies.print.rate).toBe(0.5);
    expect(rates.apcerBySpecies.screen_replay.rate).toBe(0);
    expect(rates.apcerWorst).toBe(0.5);
    expect(rates.bpcer).toEqual({ errors: 1, total: 4, rate: 0.25 });
  });

  it('counts cannot-judge and no-face as not accepted: an error for real faces, not for attacks', () => {
    const rates = livenessErrorRates([
      o('real', 'cannot_judge'),
      o('real', 'no_face'),
      o('spoof', 'cannot_judge', 'print'),
      o('spoof', 'no_face', 'print'),
    ]);
    expect(rates.bpcer.errors).toBe(2);
    expect(rates.apcer.errors).toBe(0);
    expect(rates.notJudged).toEqual({ real: 2, spoof: 2 });
  });

  it('gives null rates when a class is absent', () => {
    const rates = livenessErrorRates([o('real', 'live')]);
    expect(rates.apcer.rate).toBeNull();
    expect(rates.apcerWorst).toBeNull();
    expect(rates.bpcer.rate).toBe(0);
  });
});
