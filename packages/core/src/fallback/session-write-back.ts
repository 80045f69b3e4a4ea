/**
 * One write-back round trip: pending session writes sent together, and what Redis said to EACH of them. An entry is
 * written only when its own reply is a success: a pipeline that resolves can still hold per-entry connection errors
 * (ioredis's shape), and one that rejects may carry per-entry `results` (our typed unavailable error).
 */
import type { ChainableCommander } from 'ioredis';
import type { ResilientClient } from '../client/guarded-client.js';
import { classifyError, type ErrorType } from '../errors/classify.js';
import { isRedisUnavailableError } from '../errors/errors.js';

export interface WriteBackCommand {
  readonly key: string;
  /** undefined: the session was destroyed, DEL it. */
  readonly json: string | undefined;
  /** undefined: no TTL (`disableTTL`). */
  readonly ttlSeconds: number | undefined;
}

/** The two ways of sending a command: on the client, or queued on a pipeline. */
interface Writer {
  del(key: string): unknown;
  set(key: string, value: string, ...expiry: [] | ['EX', number]): unknown;
}

/** `c` as a SET (with EX unless there is no TTL) or a DEL, sent on the client or queued on a pipeline. */
export function writeCommand<T>(target: ResilientClient | ChainableCommander, c: WriteBackCommand): T {
  const w = target as unknown as Writer;
  if (c.json === undefined) return w.del(c.key) as T;
  return (c.ttlSeconds === undefined ? w.set(c.key, c.json) : w.set(c.key, c.json, 'EX', c.ttlSeconds)) as T;
}

/** Stands for an entry the reply array does not cover: not acknowledged, so kept. */
const NO_REPLY = Object.freeze(new Error('no reply for this write-back entry'));

/**
 * Sends `commands` and returns, per command, null when Redis acknowledged it or the error it got. Never rejects.
 * `pipelined: false` sends one guarded command each (Redis Cluster: the keys of one batch span many slots).
 */
export async function sendWriteBack(
  client: ResilientClient,
  commands: readonly WriteBackCommand[],
  pipelined: boolean,
): Promise<unknown[]> {
  if (!pipelined) {
    const settled = await Promise.allSettled(commands.map((c) => writeCommand<Promise<unknown>>(client, c)));
    return settled.map((s) => (s.status === 'fulfilled' ? null : s.reason));
  }
  try {
    const pipeline = client.pipeline();
    for (const c of commands) writeCommand(pipeline, c);
    return entryErrors(await pipeline.exec(), commands.length);
  } catch (err) {
    const results = isRedisUnavailableError(err) ? (err as { results?: unknown }).results : undefined;
    if (Array.isArray(results) && results.length === commands.length) return entryErrors(results, commands.length);
    return commands.map(() => err);
  }
}

/** ioredis's `[error, result]` per entry, as null (acknowledged) or the error. */
function entryErrors(replies: unknown, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const reply: unknown = Array.isArray(replies) ? replies[i] : undefined;
    out.push(Array.isArray(reply) ? (reply[0] ?? null) : NO_REPLY);
  }
  return out;
}

export type Verdict =
  | { readonly action: 'written' }
  /** Redis could not take it now (connection, server state, OOM …): it stays pending and is retried. */
  | { readonly action: 'retry'; readonly errorType: ErrorType }
  /** Redis refused this very command (a command error): retrying cannot help. */
  | { readonly action: 'drop'; readonly errorType: ErrorType };

const WRITTEN: Verdict = Object.freeze({ action: 'written' });

export function verdict(error: unknown): Verdict {
  if (error === null) return WRITTEN;
  const c = classifyError(error);
  // OOM is Redis refusing writes until memory is freed, not a fault in this write, whatever category it arrives in.
  if (c.category === 'command' && c.type !== 'oom') return { action: 'drop', errorType: c.type };
  return { action: 'retry', errorType: c.type };
}
