/**
 * Where the doctor connects: from a redis:// or rediss:// URL, or from the ioredis options in a config file.
 * The password is kept here and in the connection only; nothing that is printed reads it.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Target } from './doctor/types.js';
import { UsageError } from './usage.js';

export interface ConnectionTarget extends Target {
  username?: string;
  password?: string;
  /** TLS options from the config's ioredis `tls` (ca, servername, rejectUnauthorized …). */
  tlsOptions?: ConnectionOptions;
}

export const DEFAULT_URL = 'redis://127.0.0.1:6379';
const URL_SHAPE = 'expected redis://[[user]:password@]host[:port][/db] or rediss://…';

export function targetFromUrl(raw: string): ConnectionTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echo the input: it may carry the password.
    throw new UsageError(`invalid Redis URL (${URL_SHAPE})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`unsupported URL scheme "${url.protocol}" (${URL_SHAPE})`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new UsageError(`the Redis URL has no host (${URL_SHAPE})`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new UsageError(`the database in the Redis URL must be a number (${URL_SHAPE})`);
  const target: ConnectionTarget = { host, port, tls: url.protocol === 'rediss:', db };
  if (url.username) target.username = decodeURIComponent(url.username);
  if (url.password) target.password = decodeURIComponent(url.password);
  return target;
}

/** ioredis-style options: `{ host, port, username, password, db, tls }`. */
export function targetFromOptions(opts: Record<string, unknown>): ConnectionTarget {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const port = opts.port === undefined ? 6379 : Number(opts.port);
  const db = opts.db === undefined ? 0 : Number(opts.db);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new UsageError('config: redis.port must be a port number');
  if (!Number.isInteger(db) || db < 0) throw new UsageError('config: redis.db must be a non-negative integer');
  const tlsOpt = opts.tls;
  const target: ConnectionTarget = {
    host: str(opts.host) ?? '127.0.0.1',
    port,
    tls: tlsOpt !== undefined && tlsOpt !== null && tlsOpt !== false,
    db,
  };
  const username = str(opts.username);
  const password = str(opts.password);
  if (username) target.username = username;
  if (password) target.password = password;
  if (typeof tlsOpt === 'object' && tlsOpt !== null) target.tlsOptions = tlsOpt as ConnectionOptions;
  return target;
}

/** Public part of the target, safe to print. */
export function publicTarget(t: ConnectionTarget): Target {
  return { host: t.host, port: t.port, tls: t.tls, db: t.db };
}

/** `rediss://user@host:port/db`, with the password left out. */
export function describeTarget(t: ConnectionTarget): string {
  const user = t.username ? `${encodeURIComponent(t.username)}@` : '';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const auth = t.password ? ' (password given)' : '';
  return `${t.tls ? 'rediss' : 'redis'}://${user}${host}:${t.port}/${t.db}${auth}`;
}
