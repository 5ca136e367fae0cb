/**
 * The benchmark registry's contract: a suite measures one part of FaceGate and returns rows for
 * the printed table plus whatever detail belongs in its JSON file (bench/results/<suite>-<date>.json).
 */

export type BenchCell = string | number | null;
export type BenchRow = Record<string, BenchCell>;

export interface BenchOptions {
  /** Model packs to measure, when the suite uses packs (empty: the suite's default). */
  packs: string[];
  /** Timed iterations per measurement (after warm-up). */
  iterations: number;
  /** Progress and notes; never the table. */
  log: (line: string) => void;
}

export interface BenchReport {
  suite: string;
  /** Table rows, all with the same keys, in display order. */
  rows: BenchRow[];
  /** Lines printed under the table (targets, caveats). */
  notes: string[];
  /** Extra machine-readable detail saved in the JSON file. */
  details?: unknown;
}

export interface BenchSuite {
  name: string;
  summary: string;
  run(options: BenchOptions): Promise<BenchReport>;
}

/** Median and 95th percentile (nearest rank) of a list of milliseconds. */
/** Milliseconds rounded to hundredths, for tables and JSON. */
export function milliseconds(value: number): number {
  return Number(value.toFixed(2));
}

export function summarise(values: readonly number[]): { median: number; p95: number } {
  if (values.length === 0) return { median: Number.NaN, p95: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  return { median, p95 };
}

/** A plain-text table: one column per key, numbers right-aligned (suites round their own numbers). */
export function formatTable(rows: readonly BenchRow[]): string {
  if (rows.length === 0) return '(no rows)';
  const keys = Object.keys(rows[0]);
  const text = (cell: BenchCell) => (cell === null ? '-' : String(cell));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => text(r[k] ?? null).length)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const numeric = keys.map((k) => rows.every((r) => typeof r[k] === 'number' || r[k] === null));
  return [
    line(keys, numeric),
    line(
      widths.map((w) => '-'.repeat(w)),
      numeric,
    ),
    ...rows.map((r) =>
      line(
        keys.map((k) => text(r[k] ?? null)),
        numeric,
      ),
    ),
  ].join('\n');
}
