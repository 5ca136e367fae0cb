/**
 * CSV, one implementation for every file FaceGate reads or writes (pairs files, liveness labels,
 * attendance exports, the shared photo labels).
 *
 * Writing: what Excel and LibreOffice open as intended: RFC 4180 quoting, CRLF line ends, an
 * optional UTF-8 byte-order mark (Excel needs it to read UTF-8 names), and OWASP's guard against
 * formula injection: a text cell that starts with = + - @ tab or CR is prefixed with a single
 * quote, so a name such as "=HYPERLINK(...)" is shown as text, never run.
 */

export type CsvCell = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** Start with a UTF-8 byte-order mark (default true). */
  bom?: boolean;
}

export interface CsvRow {
  fields: string[];
  /** 1-based line the row starts on, for messages. */
  line: number;
}

const bomChar = '\uFEFF';
const formulaStart = /^[=+\-@\t\r]/;

export function toCsv(
  header: readonly string[],
  rows: readonly (readonly CsvCell[])[],
  options: CsvOptions = {},
): string {
  const lines = [header, ...rows].map((row) => row.map(formatCell).join(','));
  return (options.bom === false ? '' : bomChar) + lines.join('\r\n') + '\r\n';
}

function formatCell(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  const text = formulaStart.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * RFC 4180 rows with the line each starts on: quoted fields may hold commas, quotes ("") and
 * line breaks; a leading byte-order mark is skipped; blank lines are skipped.
 */
export function csvRows(text: string): CsvRow[] {
  return csvTable(text).rows;
}

/**
 * csvRows with another delimiter (Excel writes ';' where ',' is the decimal mark, or a tab), and
 * the line of a quote that is never closed (the rest of the file then went into one field).
 */
export function csvTable(
  text: string,
  delimiter: ',' | ';' | '\t' = ',',
): { rows: CsvRow[]; unclosedQuoteLine: number | null } {
  const source = text.startsWith(bomChar) ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let quoteLine = 0;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0].trim() !== '') rows.push({ fields, line: rowLine });
    fields = [];
    field = '';
    rowLine = line;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\n') line++;
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      quoted = true;
      quoteLine = line;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && source[i + 1] === '\n') {
        i++;
        line++;
      } else if (c === '\r') line++;
      endRow();
    } else field += c;
  }
  if (field !== '' || fields.length > 0) endRow();
  return { rows, unclosedQuoteLine: quoted ? quoteLine : null };
}

/** The fields of every row (see csvRows). */
export function parseCsv(text: string): string[][] {
  return csvRows(text).map((row) => row.fields);
}

/** Rows as records keyed by the header row's names; missing trailing fields are ''. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((fields) => Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ''])));
}
