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
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  closeQuietly,
  damageReason,
  loadSqlite,
  rollback,
  SpoolDamage,
  SQLITE_BUSY,
  SQLITE_LOCKED,
  sqliteCode,
} from './spool-errors.js';
import {
  COLUMNS,
  decodeFields,
  encodeFields,
  type Fields,
  type Salvage,
  SCHEMA,
  type SpooledMessage,
  type SpoolSettings,
  type StoredRow,
} from './spool-format.js';
import { declaredSize, mergeSalvage, salvageRows, salvageTruncated } from './spool-salvage.js';

export { SpoolDamage, spoolErrorReason } from './spool-errors.js';
export type { Fields, FieldValue, Salvage, SpooledMessage, SpoolSettings, StoredRow } from './spool-format.js';

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
          salvage = mergeSalvage(salvage, salvageTruncated(this.path, declared));
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
