import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What the first 100 bytes of an SQLite file say, read without SQLite so nothing is written. */
export interface SqliteHeader {
  pageSize: number;
  /** Pages the header claims, or null when that field is not trustworthy (legacy writers). */
  pageCount: number | null;
  userVersion: number;
  fileBytes: number;
}

const magic = 'SQLite format 3\0';

/**
 * Reads and checks an existing database file's header. Returns null for an empty file (SQLite
 * treats it as a new database); throws an Error describing the problem when the file is not an
 * SQLite database or is shorter than its header says (truncated).
 */
export function readSqliteHeader(file: string): SqliteHeader | null {
  const fd = openSync(file, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    if (fileBytes === 0) return null;
    const header = Buffer.alloc(100);
    const read = readSync(fd, header, 0, 100, 0);
    if (read < 100 || header.toString('latin1', 0, 16) !== magic) {
      throw new Error('it is not an SQLite database (wrong header)');
    }
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
      throw new Error(`its header gives an impossible page size (${rawPageSize})`);
    }
    const changeCounter = header.readUInt32BE(24);
    const headerPages = header.readUInt32BE(28);
    const validFor = header.readUInt32BE(92);
    const pageCount = headerPages > 0 && validFor === changeCounter ? headerPages : null;
    if (pageCount !== null && fileBytes < pageCount * pageSize) {
      throw new Error(
        `it is truncated: ${fileBytes} bytes where the header promises ${pageCount * pageSize}`,
      );
    }
    return { pageSize, pageCount, userVersion: header.readUInt32BE(60), fileBytes };
  } finally {
    closeSync(fd);
  }
}
