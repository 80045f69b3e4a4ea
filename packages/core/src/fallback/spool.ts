/**
 * The durable local spool: messages that could not reach Redis, in SQLite (`node:sqlite`, no native build). The only
 * module that touches SQLite or reads its error codes.
 * WAL journal. With durability 'process' (synchronous=NORMAL) an append is in the OS page cache when it returns, so a
 * SIGKILL right after `publish` resolves loses nothing and the event loop never waits for the disk; 'machine'
 * (synchronous=FULL) fsyncs each append so that power loss loses nothing either. AUTOINCREMENT sequence numbers are never reused, so replay is FIFO across restarts.
 * EXCLUSIVE locking: one process owns a spool file; a second one fails at open instead of replaying the same rows.
 * Damage (SQLITE_CORRUPT, SQLITE_NOTADB, a failed integrity check, a row that does not decode, a file emptied to
 * 0 bytes) surfaces as SpoolDamage, so the caller can move the file aside (spool-recovery.ts).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ReplayFailureReason, SpoolDamageReason } from '../telemetry/catalog.js';

export type FieldValue = string | Buffer;
export type Fields = ReadonlyArray<readonly [field: string, value: FieldValue]>;

export interface SpooledMessage {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  readonly fields: Fields;
  readonly attempts: number;
}

/** A row as stored, kept for copying into a fresh spool after damage. */
export interface StoredRow {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  /** The encoded fields, already checked to decode. */
  readonly fields: string;
  readonly attempts: number;
  readonly spooledAt: number;
}

/**
 * corrupt: SQLite found the structure or a row broken. truncated: the file is shorter than its header says.
 * not_a_database: the header is gone. emptied: 0 bytes.
 */
export type { SpoolDamageReason } from '../telemetry/catalog.js';

/** The spool file is damaged. Carries the rows that could still be read when the damage was found at open. */
export class SpoolDamage extends Error {
  constructor(
    readonly path: string,
    readonly reason: SpoolDamageReason,
    /** What SQLite or the check said: fixed texts, never a message's content. */
    readonly detail: string,
    readonly salvage: Salvage = { rows: [], unreadable: 0 },
    cause?: unknown,
  ) {
    super(`queue spool ${path} is damaged (${reason}): ${detail}`, { cause });
  }
}

export interface SpoolSettings {
  journalMode: string;
  synchronous: 'NORMAL' | 'FULL' | 'OTHER';
  lockingMode: string;
}

/** What a damaged file still yields: its readable rows, oldest first, and how many more it is known to hold. */
export interface Salvage {
  readonly rows: readonly StoredRow[];
  /** Rows the index names but the table could not return (a lower bound on what is lost). */
  readonly unreadable: number;
}

type SqliteModule = typeof import('node:sqlite');

function loadSqlite(): SqliteModule {
  // Looked up at first use: on Node 22 before 22.13 `node:sqlite` needs a flag, and only queue users need it.
  const mod = process.getBuiltinModule?.('node:sqlite') as SqliteModule | undefined;
  if (!mod?.DatabaseSync) {
    throw new Error('rr.queue needs node:sqlite: use Node >= 22.13 (or start Node 22 with --experimental-sqlite)');
  }
  return mod;
}

// Primary result codes (https://sqlite.org/rescode.html); node:sqlite reports the extended code as `errcode`.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;

function sqliteCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { errcode?: unknown }).errcode : undefined;
  return typeof code === 'number' ? code & 0xff : undefined;
}

function damageReason(err: unknown): SpoolDamageReason | undefined {
  const code = sqliteCode(err);
  return code === SQLITE_CORRUPT ? 'corrupt' : code === SQLITE_NOTADB ? 'not_a_database' : undefined;
}

/** A bounded label for a spool error that is not damage (a replay failure's `reason`). */
export function spoolErrorReason(err: unknown): ReplayFailureReason {
  if (err instanceof SpoolDamage) return 'corrupt';
  switch (sqliteCode(err)) {
    case SQLITE_FULL:
      return 'disk_full';
    case SQLITE_IOERR:
      return 'io';
    case SQLITE_READONLY:
      return 'read_only';
    default:
      return 'other';
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT    NOT NULL,
  stream     TEXT    NOT NULL,
  fields     TEXT    NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  spooled_at INTEGER NOT NULL,
  UNIQUE (stream, id)
)`;

const COLUMNS = 'seq, id, stream, fields, attempts, spooled_at AS spooledAt';

export class Spool {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly counts = new Map<string, number>();
  private total = 0;
  private readonly insert: StatementSync;
  private readonly insertRow: StatementSync;
  private readonly selectAfter: StatementSync;
  private readonly deleteOne: StatementSync;
  private readonly fail: StatementSync;

  constructor(path: string, durability: 'process' | 'machine' = 'process') {
    this.path = resolve(path);
    mkdirSync(dirname(this.path), { recursive: true });
    // A spool this class opened is never 0 bytes (the WAL switch writes the header at once), and SQLite would take an
    // empty file for a new database and drop its WAL: whatever the file held is gone, so say so.
    if (statSync(this.path, { throwIfNoEntry: false })?.size === 0) {
      throw new SpoolDamage(this.path, 'emptied', 'the file is 0 bytes; any messages it held are lost');
    }
    const { DatabaseSync } = loadSqlite();
    const db = new DatabaseSync(this.path);
    try {
      // Order matters: exclusive locking before WAL, so no shared-memory index is made and the lock is held.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${durability === 'machine' ? 'FULL' : 'NORMAL'}`);
      // integrity_check rather than quick_check: it also checks the (stream, id) index, whose damage could make a new
      // append look like a duplicate and be dropped. ~80 ms for a full 100,000-message spool, once per process.
      const problems = db.prepare('PRAGMA integrity_check(5)').all() as { integrity_check: string }[];
      if (problems.length !== 1 || problems[0]?.integrity_check !== 'ok') {
        throw new SpoolDamage(this.path, 'corrupt', problems.map((p) => p.integrity_check).join('; '));
      }
      db.exec(SCHEMA);
      this.insert = db.prepare(
        'INSERT INTO messages (id, stream, fields, spooled_at) VALUES (?, ?, ?, ?) ON CONFLICT (stream, id) DO NOTHING',
      );
      this.insertRow = db.prepare(
        'INSERT INTO messages (seq, id, stream, fields, attempts, spooled_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      );
      this.selectAfter = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`);
      this.deleteOne = db.prepare('DELETE FROM messages WHERE seq = ?');
      this.fail = db.prepare(
        'UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE seq = ? RETURNING attempts',
      );
      const rows = db.prepare('SELECT stream, COUNT(*) AS n FROM messages GROUP BY stream').all() as {
        stream: string;
        n: number;
      }[];
      for (const { stream, n } of rows) this.bump(stream, n);
    } catch (cause) {
      let reason = cause instanceof SpoolDamage ? cause.reason : damageReason(cause);
      if (reason) {
        // Read what can be read before the handle goes: the caller moves the file aside and keeps these.
        let salvage = reason === 'not_a_database' ? undefined : salvageRows(db);
        closeQuietly(db);
        const declared = declaredSize(this.path);
        if (declared > statSync(this.path).size) {
          reason = 'truncated';
          salvage = merge(salvage, salvageTruncated(this.path, declared));
        }
        const detail = cause instanceof SpoolDamage ? cause.detail : String((cause as Error).message);
        throw new SpoolDamage(this.path, reason, detail, salvage, cause instanceof SpoolDamage ? undefined : cause);
      }
      closeQuietly(db);
      const code = sqliteCode(cause);
      throw new Error(
        code === SQLITE_BUSY || code === SQLITE_LOCKED
          ? `queue spool ${this.path} is in use by another process: give each process its own spoolPath`
          : `queue spool ${this.path} could not be opened: ${(cause as Error)?.message}`,
        { cause },
      );
    }
    this.db = db;
  }

  /** Messages waiting, for one stream or all. */
  count(stream?: string): number {
    return stream === undefined ? this.total : (this.counts.get(stream) ?? 0);
  }

  /** Streams with messages waiting, and how many each. */
  depths(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** Durably append; false when (stream, id) is already spooled (a repeated publish of the same message). */
  append(stream: string, id: string, fields: Fields): boolean {
    const { changes } = this.guard(() => this.insert.run(id, stream, encodeFields(fields), Date.now()));
    if (Number(changes) === 0) return false;
    this.bump(stream, 1);
    return true;
  }

  /** Up to `limit` messages after `afterSeq`, oldest first. A row that does not decode is damage. */
  peek(limit: number, afterSeq = 0): SpooledMessage[] {
    const rows = this.guard(() => this.selectAfter.all(afterSeq, limit)) as unknown as StoredRow[];
    return rows.map((r) => {
      const fields = decodeFields(r.fields);
      if (!fields) throw new SpoolDamage(this.path, 'corrupt', `message ${r.seq} does not decode`);
      return { seq: r.seq, id: r.id, stream: r.stream, fields, attempts: r.attempts };
    });
  }

  /** Remove delivered messages in one transaction (one fsync). A crash before it only means a deduplicated resend. */
  remove(messages: readonly SpooledMessage[]): void {
    if (messages.length === 0) return;
    const removed = this.guard(() => {
      this.db.exec('BEGIN');
      try {
        // Only rows that were there: after a salvage some delivered messages may be missing.
        const gone = messages.filter((m) => Number(this.deleteOne.run(m.seq).changes) > 0);
        this.db.exec('COMMIT');
        return gone;
      } catch (err) {
        rollback(this.db);
        throw err;
      }
    });
    for (const m of removed) this.bump(m.stream, -1);
  }

  /** Count a failed replay; returns the attempts made so far. */
  recordFailure(seq: number, reason: string): number {
    const row = this.guard(() => this.fail.get(reason.slice(0, 500), seq)) as { attempts: number } | undefined;
    return row?.attempts ?? 0;
  }

  /** The rows this (damaged) file still yields; see salvageRows. */
  salvage(): Salvage {
    return salvageRows(this.db);
  }

  /** Copy rows salvaged from a damaged spool in, keeping their sequence numbers (so their order) and attempts. */
  restore(rows: readonly StoredRow[]): number {
    if (rows.length === 0) return 0;
    return this.guard(() => {
      this.db.exec('BEGIN');
      try {
        let added = 0;
        for (const r of rows) {
          if (Number(this.insertRow.run(r.seq, r.id, r.stream, r.fields, r.attempts, r.spooledAt).changes) === 0)
            continue;
          this.bump(r.stream, 1);
          added++;
        }
        this.db.exec('COMMIT');
        return added;
      } catch (err) {
        rollback(this.db);
        throw err;
      }
    });
  }

  /** The settings in force, as SQLite reports them. */
  pragmas(): SpoolSettings {
    const one = (name: string) => Object.values(this.db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    const sync = Number(one('synchronous'));
    return {
      journalMode: String(one('journal_mode')),
      synchronous: sync === 1 ? 'NORMAL' : sync === 2 ? 'FULL' : 'OTHER',
      lockingMode: String(one('locking_mode')),
    };
  }

  close(): void {
    closeQuietly(this.db);
  }

  /** SQLite's corruption codes become SpoolDamage; any other error passes as is. */
  private guard<T>(op: () => T): T {
    try {
      return op();
    } catch (err) {
      const reason = damageReason(err);
      if (reason) throw new SpoolDamage(this.path, reason, String((err as Error).message), undefined, err);
      throw err;
    }
  }

  private bump(stream: string, by: number): void {
    const n = (this.counts.get(stream) ?? 0) + by;
    if (n > 0) this.counts.set(stream, n);
    else this.counts.delete(stream);
    this.total += by;
  }
}

function rollback(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // No transaction left to roll back (SQLite already did on the error): the original error is what matters.
  }
}

function closeQuietly(db: DatabaseSync): void {
  try {
    if (db.isOpen) db.close();
  } catch {
    // A damaged file may fail its closing checkpoint; the handle is released either way.
  }
}

/**
 * The size a SQLite file's header declares (page size × page count), or 0 when the header is unreadable or its count
 * not valid (https://sqlite.org/fileformat2.html#in_header_database_size).
 */
function declaredSize(path: string): number {
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
function salvageTruncated(path: string, declared: number): Salvage {
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

function merge(a: Salvage | undefined, b: Salvage): Salvage {
  if (!a || a.rows.length === 0) return b;
  const rows = new Map(a.rows.map((r) => [r.seq, r]));
  for (const r of b.rows) if (!rows.has(r.seq)) rows.set(r.seq, r);
  return { rows: [...rows.values()].sort((x, y) => x.seq - y.seq), unreadable: Math.min(a.unreadable, b.unreadable) };
}

/**
 * Best effort over a damaged file: scan the table from both ends up to the first unreadable page, then fetch one by
 * one the rows the (stream, id) index still names. Rows that do not decode are left out. Never throws.
 */
function salvageRows(db: DatabaseSync): Salvage {
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

function storedRow(row: Record<string, unknown>): StoredRow | undefined {
  const { seq, id, stream, fields, attempts, spooledAt } = row;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof id !== 'string' || id === '' || typeof stream !== 'string' || stream === '') return undefined;
  if (typeof fields !== 'string' || !decodeFields(fields)) return undefined;
  return {
    seq,
    id,
    stream,
    fields,
    attempts: typeof attempts === 'number' && attempts >= 0 ? attempts : 0,
    spooledAt: typeof spooledAt === 'number' ? spooledAt : Date.now(),
  };
}

/** Field values keep their type: strings as is, Buffers tagged as base64. */
function encodeFields(fields: Fields): string {
  return JSON.stringify(fields.map(([f, v]) => (typeof v === 'string' ? [f, v] : [f, { b64: v.toString('base64') }])));
}

/** The fields of a stored row, or undefined when the text is not what encodeFields writes. */
function decodeFields(text: string): Fields | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: [string, FieldValue][] = [];
  for (const pair of raw) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') return undefined;
    const v: unknown = pair[1];
    if (typeof v === 'string') out.push([pair[0], v]);
    else if (typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string')
      out.push([pair[0], Buffer.from((v as { b64: string }).b64, 'base64')]);
    else return undefined;
  }
  return out;
}
