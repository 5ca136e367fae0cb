import { csvRows } from '../../csv';
import { FaceGateError } from '../../errors';

export interface PairRow {
  a: string;
  b: string;
  same: boolean;
  /** '' when the file has no fold column (a single fold). */
  fold: string;
  /** 1-based line number, for messages. */
  line: number;
}

const sameValues: Record<string, boolean> = {
  '1': true,
  true: true,
  yes: true,
  same: true,
  '0': false,
  false: false,
  no: false,
  different: false,
};

/**
 * Parses an LFW-style pairs CSV: columns a, b, same[, fold]. A header row is optional (it is
 * recognised by a `same` cell that is not a boolean); with a header the columns may come in
 * any order. Paths are returned as written (relative to the caller's root).
 */
export function parsePairsCsv(text: string, fileName = 'pairs file'): PairRow[] {
  const rows = csvRows(text);
  if (rows.length === 0) throw new FaceGateError('INVALID_INPUT', `${fileName} holds no pairs.`);
  let columns = { a: 0, b: 1, same: 2, fold: 3 };
  const first = rows[0].fields.map((f) => f.trim().toLowerCase());
  const namesColumns = ['a', 'b', 'same'].every((name) => first.includes(name));
  const hasHeader = namesColumns || (first.length >= 3 && !(first[2] in sameValues));
  if (hasHeader) {
    const index = (name: string) => first.indexOf(name);
    columns = { a: index('a'), b: index('b'), same: index('same'), fold: index('fold') };
    if (columns.a < 0 || columns.b < 0 || columns.same < 0) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `${fileName}: the header must name the columns a, b, same and optionally fold (found: ${first.join(', ')}).`,
      );
    }
  }
  return rows.slice(hasHeader ? 1 : 0).map(({ fields, line }) => {
    const cell = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const same = sameValues[cell(columns.same).toLowerCase()];
    if (same === undefined || !cell(columns.a) || !cell(columns.b)) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `${fileName}, line ${line}: expected "a,b,same[,fold]" with same = 1/0 (or true/false), got "${fields.join(',')}".`,
      );
    }
    return { a: cell(columns.a), b: cell(columns.b), same, fold: cell(columns.fold), line };
  });
}
