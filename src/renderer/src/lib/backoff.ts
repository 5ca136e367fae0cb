/** Exponential back-off: base, 2 x base, 4 x base ... capped at max (milliseconds). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return baseMs;
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
