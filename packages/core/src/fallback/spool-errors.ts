/**
 * SQLite as the spool meets it: loading `node:sqlite`, its result codes, and what they mean for the spool (damage to
 * move aside, or a bounded replay-failure reason). The only module that reads SQLite's error codes.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ReplayFailureReason, SpoolDamageReason } from '../instrumentation.js';
import type { Salvage } from './spool-format.js';

/**
 * corrupt: SQLite found the structure or a row broken. truncated: the file is shorter than its header says.
 * not_a_database: the header is gone. emptied: 0 bytes.
 */
export type { SpoolDamageReason } from '../instrumentation.js';

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

type SqliteModule = typeof import('node:sqlite');

export function loadSqlite(): SqliteModule {
  // Looked up at first use: on Node 22 before 22.13 `node:sqlite` needs a flag, and only queue users need it.
  const mod = process.getBuiltinModule?.('node:sqlite') as SqliteModule | undefined;
  if (!mod?.DatabaseSync) {
    throw new Error('rr.queue needs node:sqlite: use Node >= 22.13 (or start Node 22 with --experimental-sqlite)');
  }
  return mod;
}

// Primary result codes (https://sqlite.org/rescode.html); node:sqlite reports the extended code as `errcode`.
export const SQLITE_BUSY = 5;
export const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;

export function sqliteCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { errcode?: unknown }).errcode : undefined;
  return typeof code === 'number' ? code & 0xff : undefined;
}

export function damageReason(err: unknown): SpoolDamageReason | undefined {
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

export function rollback(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // No transaction left to roll back (SQLite already did on the error): the original error is what matters.
  }
}

export function closeQuietly(db: DatabaseSync): void {
  try {
    if (db.isOpen) db.close();
  } catch {
    // A damaged file may fail its closing checkpoint; the handle is released either way.
  }
}
