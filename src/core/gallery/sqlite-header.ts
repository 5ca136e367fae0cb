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
      // In WAL mode the newest pages may live in the -wal file (a checkpoint cut short by a full
      // disk writes the new header before the pages behind it): only pages in neither are missing.
      const wal = readWalPages(`${file}-wal`, pageSize);
      const needed = wal?.committedPages ?? pageCount;
      const inMain = Math.floor(fileBytes / pageSize);
      let missing = 0;
      for (let page = inMain + 1; page <= needed; page++) if (!wal?.pages.has(page)) missing++;
      if (missing > 0) {
        throw new Error(
          `it is truncated: ${fileBytes} bytes where the header promises ${pageCount * pageSize}` +
            (wal ? `, and its write-ahead log lacks ${missing} of the missing pages` : ''),
        );
      }
    }
    return { pageSize, pageCount, userVersion: header.readUInt32BE(60), fileBytes };
  } finally {
    closeSync(fd);
  }
}

/** What a write-ahead log holds: the pages of its committed frames and the size at the last commit. */
export interface WalPages {
  pages: Set<number>;
  /** The database size in pages after the last commit in the log; null when it has no commit. */
  committedPages: number | null;
}

const walMagic = [0x377f0682, 0x377f0683];

/**
 * Reads the frame headers of `<db>-wal` (without SQLite, nothing written): the pages of frames up
 * to the last commit whose salts match the log's header. Null when there is no usable log.
 */
export function readWalPages(walFile: string, pageSize: number): WalPages | null {
  let fd: number;
  try {
    fd = openSync(walFile, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(32);
    if (size < 32 || readSync(fd, header, 0, 32, 0) < 32) return null;
    if (
      !walMagic.includes(header.readUInt32BE(0)) ||
      (header.readUInt32BE(8) !== pageSize && !(pageSize === 65536 && header.readUInt32BE(8) === 1))
    ) {
      return null;
    }
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    const frameBytes = 24 + pageSize;
    const frame = Buffer.alloc(24);
    const seen: number[] = [];
    const pages = new Set<number>();
    let committedPages: number | null = null;
    for (let offset = 32; offset + frameBytes <= size; offset += frameBytes) {
      readSync(fd, frame, 0, 24, offset);
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break;
      seen.push(frame.readUInt32BE(0));
      const commitSize = frame.readUInt32BE(4);
      if (commitSize > 0) {
        for (const page of seen) pages.add(page);
        seen.length = 0;
        committedPages = commitSize;
      }
    }
    return { pages, committedPages };
  } finally {
    closeSync(fd);
  }
}
