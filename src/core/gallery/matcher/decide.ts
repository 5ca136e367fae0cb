import type { UnknownReason } from '../../../shared/people';
import type { SearchHit } from './embedding-index';

export interface DecisionRule {
  /** The best person's similarity must reach this. */
  threshold: number;
  /** ...and beat the best other person by at least this much. */
  margin: number;
}

export type MatchDecision =
  | { decision: 'known'; best: SearchHit; runnerUp: SearchHit | null }
  | { decision: 'unknown'; reason: UnknownReason; best: SearchHit | null; runnerUp: SearchHit | null };

/**
 * Open-set decision over one query's candidates (one hit per person, best first): known only when
 * the best person passes the threshold AND is clearly ahead of everyone else; otherwise unknown,
 * with the reason.
 */
export function decide(candidates: readonly SearchHit[], rule: DecisionRule): MatchDecision {
  const [best, runnerUp = null] = candidates;
  if (!best) return { decision: 'unknown', reason: 'empty_gallery', best: null, runnerUp: null };
  if (best.score < rule.threshold) return { decision: 'unknown', reason: 'below_threshold', best, runnerUp };
  if (runnerUp && best.score - runnerUp.score < rule.margin) {
    return { decision: 'unknown', reason: 'ambiguous', best, runnerUp };
  }
  return { decision: 'known', best, runnerUp };
}
