import type { CallResult } from '../../../../shared/contract';
import type { MessageKey, Params } from '../../i18n';

type Tried = CallResult<'recognition.tryPhoto'>;
export interface Line {
  key: MessageKey;
  params?: Params;
}

/**
 * What the kiosk would do with a photo, and why, in sentences: the verdict first, then the reasons
 * (who it matched and how closely against the threshold, the liveness judgement). Pure.
 */
export function explainTry(result: Tried): { verdict: Line; reasons: Line[] } {
  const reasons: Line[] = [];
  const similarity = result.similarity === null ? null : result.similarity.toFixed(3);
  const threshold = result.threshold.toFixed(3);
  if (result.faces === 0) return { verdict: { key: 'try.verdict.noFace' }, reasons };
  if (result.faces > 1) reasons.push({ key: 'try.reason.severalFaces', params: { count: result.faces } });
  if (result.person && similarity !== null) {
    reasons.push({ key: 'try.reason.matched', params: { name: result.person.name, similarity, threshold } });
  } else if (similarity !== null) {
    reasons.push({ key: 'try.reason.noMatch', params: { similarity, threshold } });
  }
  if (result.liveness) {
    const live = result.liveness.verdict === 'live';
    reasons.push({
      key: live
        ? 'try.reason.live'
        : result.liveness.verdict === 'spoof'
          ? 'try.reason.spoof'
          : 'try.reason.cannotJudge',
      params: { score: result.liveness.score.toFixed(2) },
    });
  } else {
    reasons.push({ key: result.livenessRequired ? 'try.reason.noLiveness' : 'try.reason.livenessOff' });
  }
  const name = result.person?.name ?? '';
  const verdicts: Record<Tried['kind'], Line> = {
    granted: { key: 'try.verdict.granted', params: { name } },
    denied: { key: 'try.verdict.denied', params: { name } },
    unknown: { key: 'try.verdict.unknown' },
    not_live: { key: 'try.verdict.notLive' },
    cannot_judge: { key: 'try.verdict.cannotJudge' },
    no_face: { key: 'try.verdict.noFace' },
  };
  return { verdict: verdicts[result.kind], reasons };
}
