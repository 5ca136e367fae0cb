/**
 * The bars of the start page's "arrivals today" chart, in SVG user units: one bar per hour from
 * the first hour with an arrival (at most 6:00) to the last (at least 18:00), heights scaled to the
 * busiest hour. Pure, so it is unit-tested under Node.
 */
export interface Bar {
  hour: number;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export function arrivalBars(
  byHour: readonly number[],
  size: { width: number; height: number },
): { bars: Bar[]; max: number } {
  const busy = byHour.map((n, hour) => (n > 0 ? hour : -1)).filter((h) => h >= 0);
  const first = Math.min(6, ...busy);
  const last = Math.max(18, ...busy);
  const hours = last - first + 1;
  const max = Math.max(1, ...byHour);
  const slot = size.width / hours;
  const bars: Bar[] = [];
  for (let hour = first; hour <= last; hour++) {
    const count = byHour[hour] ?? 0;
    const height = (count / max) * size.height;
    bars.push({
      hour,
      count,
      x: (hour - first) * slot + slot * 0.15,
      y: size.height - height,
      width: slot * 0.7,
      height,
    });
  }
  return { bars, max };
}
