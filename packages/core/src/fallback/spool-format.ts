/** What a spool stores and how: the message shape, the table, and the encoding of stream fields. */

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

export const SCHEMA = `
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

export const COLUMNS = 'seq, id, stream, fields, attempts, spooled_at AS spooledAt';

export function storedRow(row: Record<string, unknown>): StoredRow | undefined {
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
export function encodeFields(fields: Fields): string {
  return JSON.stringify(fields.map(([f, v]) => (typeof v === 'string' ? [f, v] : [f, { b64: v.toString('base64') }])));
}

/** The fields of a stored row, or undefined when the text is not what encodeFields writes. */
export function decodeFields(text: string): Fields | undefined {
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
