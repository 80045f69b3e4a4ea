/**
 * The durable local spool: messages that could not reach Redis, in SQLite (`node:sqlite`, no native build).
 * WAL journal. With durability 'process' (synchronous=NORMAL) an append is in the OS page cache when it returns, so a
 * SIGKILL right after `publish` resolves loses nothing and the event loop never waits for the disk; 'machine'
 * (synchronous=FULL) fsyncs each append so that power loss loses nothing either. AUTOINCREMENT sequence numbers are never reused, so replay is FIFO across restarts.
 * EXCLUSIVE locking: one process owns a spool file; a second one fails at open instead of replaying the same rows.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

export type FieldValue = string | Buffer;
export type Fields = ReadonlyArray<readonly [field: string, value: FieldValue]>;

export interface SpooledMessage {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  readonly fields: Fields;
  readonly attempts: number;
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

export class Spool {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly counts = new Map<string, number>();
  private total = 0;
  private readonly insert: StatementSync;
  private readonly selectAfter: StatementSync;
  private readonly deleteOne: StatementSync;
  private readonly fail: StatementSync;

  constructor(path: string, durability: 'process' | 'machine' = 'process') {
    this.path = resolve(path);
    mkdirSync(dirname(this.path), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    const db = new DatabaseSync(this.path);
    try {
      // Order matters: exclusive locking before WAL, so no shared-memory index is made and the lock is held.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${durability === 'machine' ? 'FULL' : 'NORMAL'}`);
      db.exec(SCHEMA);
    } catch (cause) {
      db.close();
      const busy = /locked|busy/i.test(String((cause as Error)?.message));
      throw new Error(
        busy
          ? `queue spool ${this.path} is in use by another process: give each process its own spoolPath`
          : `queue spool ${this.path} could not be opened: ${(cause as Error)?.message}`,
        { cause },
      );
    }
    this.db = db;
    this.insert = db.prepare(
      'INSERT INTO messages (id, stream, fields, spooled_at) VALUES (?, ?, ?, ?) ON CONFLICT (stream, id) DO NOTHING',
    );
    this.selectAfter = db.prepare(
      'SELECT seq, id, stream, fields, attempts FROM messages WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.deleteOne = db.prepare('DELETE FROM messages WHERE seq = ?');
    this.fail = db.prepare(
      'UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE seq = ? RETURNING attempts',
    );
    const rows = db.prepare('SELECT stream, COUNT(*) AS n FROM messages GROUP BY stream').all() as {
      stream: string;
      n: number;
    }[];
    for (const { stream, n } of rows) {
      this.counts.set(stream, n);
      this.total += n;
    }
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
    const { changes } = this.insert.run(id, stream, encodeFields(fields), Date.now());
    if (Number(changes) === 0) return false;
    this.bump(stream, 1);
    return true;
  }

  /** Up to `limit` messages after `afterSeq`, oldest first. */
  peek(limit: number, afterSeq = 0): SpooledMessage[] {
    const rows = this.selectAfter.all(afterSeq, limit) as {
      seq: number;
      id: string;
      stream: string;
      fields: string;
      attempts: number;
    }[];
    return rows.map((r) => ({ ...r, fields: decodeFields(r.fields) }));
  }

  /** Remove delivered messages in one transaction (one fsync). A crash before it only means a deduplicated resend. */
  remove(messages: readonly SpooledMessage[]): void {
    if (messages.length === 0) return;
    this.db.exec('BEGIN');
    try {
      for (const m of messages) this.deleteOne.run(m.seq);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    for (const m of messages) this.bump(m.stream, -1);
  }

  /** Count a failed replay; returns the attempts made so far. */
  recordFailure(seq: number, reason: string): number {
    const row = this.fail.get(reason.slice(0, 500), seq) as { attempts: number } | undefined;
    return row?.attempts ?? 0;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private bump(stream: string, by: number): void {
    const n = (this.counts.get(stream) ?? 0) + by;
    if (n > 0) this.counts.set(stream, n);
    else this.counts.delete(stream);
    this.total += by;
  }
}

/** Field values keep their type: strings as is, Buffers tagged as base64. */
function encodeFields(fields: Fields): string {
  return JSON.stringify(fields.map(([f, v]) => (typeof v === 'string' ? [f, v] : [f, { b64: v.toString('base64') }])));
}

function decodeFields(text: string): Fields {
  const raw = JSON.parse(text) as [string, string | { b64: string }][];
  return raw.map(([f, v]) => [f, typeof v === 'string' ? v : Buffer.from(v.b64, 'base64')] as const);
}
