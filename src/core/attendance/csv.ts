/**
 * CSV that Excel and LibreOffice open as intended: RFC 4180 quoting, CRLF line ends, an optional
 * UTF-8 byte-order mark (Excel needs it to read UTF-8 names), and OWASP's guard against formula
 * injection: a text cell that starts with = + - @ tab or CR is prefixed with a single quote, so a
 * name such as "=HYPERLINK(...)" is shown as text, never run.
 */

export type CsvCell = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** Start with a UTF-8 byte-order mark (default true). */
  bom?: boolean;
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

/** Parses RFC 4180 CSV (a leading BOM is skipped): rows of fields, quotes and line breaks kept. */
export function parseCsv(text: string): string[][] {
  const source = text.startsWith(bomChar) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
