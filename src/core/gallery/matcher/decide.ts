import type { UnknownReason } from '../../../shared/people';
import type { SearchHit } from './embedding-index';

/**
 * How far the one of a confirmed "different people" pair must lead the other before the desk says
 * who it is. Measured on the dev sets' hardest impostor pairs (docs/gallery.md, "Look-alike
 * colleague"): every pair of different people whose photos reach the 1:N threshold, both enrolled,
 * probed with their other photos. The largest lead of the wrong one of a pair over the right one
 * was 0.182 (lfw-dev: none above 0; cfp-fp-dev: 0.182, 0.127, 0.100); at 0.19 no probe of either
 * set went to the partner. `python3 bench/dev-identification.py /tmp/w3-recognition --lookalikes`.
 */
export const lookalikeMargin = 0.19;

export interface DecisionRule {
  /** The best person's similarity must reach this. */
  threshold: number;
  /** ...and beat the best other person by at least this much. */
  margin: number;
  /** ...and a person confirmed as different from them by this much (default `lookalikeMargin`). */
  lookalikeMargin?: number;
}

/** The confirmed "different people" partners of a person and their score for the query. */
export interface Lookalikes {
  partnersOf(personId: number): readonly number[];
  /** The partner's best score for the query when it is not among the candidates; null when it has no template. */
  scoreOf(personId: number): number | null;
}

export type MatchDecision =
  | { decision: 'known'; best: SearchHit; runnerUp: SearchHit | null }
  | { decision: 'unknown'; reason: UnknownReason; best: SearchHit | null; runnerUp: SearchHit | null };

/**
 * Open-set decision over one query's candidates (one hit per person, best first): known only when
 * the best person passes the threshold AND is clearly ahead of everyone else, and further ahead of
 * anyone an administrator confirmed as a different person who looks like them; otherwise unknown,
 * with the reason.
 */
export function decide(
  candidates: readonly SearchHit[],
  rule: DecisionRule,
  lookalikes?: Lookalikes,
): MatchDecision {
  const [best, runnerUp = null] = candidates;
  if (!best) return { decision: 'unknown', reason: 'empty_gallery', best: null, runnerUp: null };
  if (best.score < rule.threshold) return { decision: 'unknown', reason: 'below_threshold', best, runnerUp };
  if (runnerUp && best.score - runnerUp.score < rule.margin) {
    return { decision: 'unknown', reason: 'ambiguous', best, runnerUp };
  }
  const partners = lookalikes?.partnersOf(best.personId) ?? [];
  if (partners.length) {
    const needed = Math.max(rule.margin, rule.lookalikeMargin ?? lookalikeMargin);
    for (const partner of partners) {
      const hit = candidates.find((c) => c.personId === partner);
      const score = hit ? hit.score : lookalikes!.scoreOf(partner);
      if (score !== null && best.score - score < needed) {
        return { decision: 'unknown', reason: 'ambiguous', best, runnerUp };
      }
    }
  }
  return { decision: 'known', best, runnerUp };
}
