/**
 * A rate as "1 in N" for people who do not read 1.0e-4: N rounded to two significant figures
 * (1 in 1,000, 1 in 48), null when the rate is zero or unknown (no such mistake was measured).
 */
export function oneIn(rate: number | null | undefined): number | null {
  if (rate === null || rate === undefined || !Number.isFinite(rate) || rate <= 0) return null;
  const n = 1 / Math.min(1, rate);
  if (n < 10) return Math.round(n);
  const magnitude = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
}
