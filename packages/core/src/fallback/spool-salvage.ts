/** Getting what can still be read out of a damaged spool file, without changing the file. */
import { closeSync, copyFileSync, existsSync, openSync, readSync, rmSync, truncateSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { closeQuietly, loadSqlite } from './spool-errors.js';
import { COLUMNS, type Salvage, type StoredRow, storedRow } from './spool-format.js';

/**
 * The size a SQLite file's header declares (page size × page count), or 0 when the header is unreadable or its count
 * not valid (https://sqlite.org/fileformat2.html#in_header_database_size).
 */
export function declaredSize(path: string): number {
  const header = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (readSync(fd, header, 0, 100, 0) < 100) return 0;
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 0;
  if (header.readUInt32BE(24) !== header.readUInt32BE(92)) return 0;
  const pageSize = header.readUInt16BE(16) === 1 ? 65_536 : header.readUInt16BE(16);
  return pageSize * header.readUInt32BE(28);
}

/**
 * SQLite refuses a file shorter than its header says, even the pages that are still there. Read a copy (with its WAL)
 * padded back to the declared size; the damaged original stays as it was for whoever looks at it later.
 */
export function salvageTruncated(path: string, declared: number): Salvage {
  const copy = `${path}.salvage`;
  const files = ['', '-wal', '-shm'].map((c) => copy + c);
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    truncateSync(copy, declared);
    const db = new (loadSqlite().DatabaseSync)(copy);
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE'); // no -shm: the copy is ours alone
      return salvageRows(db);
    } finally {
      closeQuietly(db);
    }
  } catch {
    return { rows: [], unreadable: 0 };
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
}

export function mergeSalvage(a: Salvage | undefined, b: Salvage): Salvage {
  if (!a || a.rows.length === 0) return b;
  const rows = new Map(a.rows.map((r) => [r.seq, r]));
  for (const r of b.rows) if (!rows.has(r.seq)) rows.set(r.seq, r);
  return { rows: [...rows.values()].sort((x, y) => x.seq - y.seq), unreadable: Math.min(a.unreadable, b.unreadable) };
}

/**
 * Best effort over a damaged file: scan the table from both ends up to the first unreadable page, then fetch one by
 * one the rows the (stream, id) index still names. Rows that do not decode are left out. Never throws.
 */
export function salvageRows(db: DatabaseSync): Salvage {
  const rows = new Map<number, StoredRow>();
  const named = new Set<number>();
  const each = (sql: string, visit: (row: Record<string, unknown>) => unknown, ...args: number[]) => {
    try {
      for (const row of db.prepare(sql).iterate(...args)) if (visit(row as Record<string, unknown>) === false) return;
    } catch {
      // The scan stops at the first damaged page.
    }
  };
  const keep = (row: Record<string, unknown>) => {
    const r = storedRow(row);
    if (r) rows.set(r.seq, r);
  };
  each(`SELECT ${COLUMNS} FROM messages ORDER BY seq`, keep);
  // Backwards until it meets the rows the forward scan already has.
  each(`SELECT ${COLUMNS} FROM messages ORDER BY seq DESC`, (row) => {
    if (rows.has(Number(row.seq))) return false;
    keep(row);
  });
  each('SELECT seq FROM messages INDEXED BY sqlite_autoindex_messages_1', (row) => {
    named.add(Number(row.seq));
  });
  let unreadable = 0;
  for (const seq of named) {
    if (rows.has(seq)) continue;
    let found = false;
    each(
      `SELECT ${COLUMNS} FROM messages WHERE seq = ?`,
      (row) => {
        found = storedRow(row) !== undefined;
        keep(row);
      },
      seq,
    );
    if (!found) unreadable++;
  }
  return { rows: [...rows.values()].sort((a, b) => a.seq - b.seq), unreadable };
}
