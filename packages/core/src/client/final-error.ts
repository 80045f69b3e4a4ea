/**
 * The error a failed call ends with: our typed error, with the cause rebuilt without secrets. A pipeline or MULTI
 * also carries its entries, with those the connection lost turned into typed errors of their own.
 */
import { classifyError, FailedBatch } from '../errors/classify.js';
import { RedisUnavailableError, RetriesExhaustedError } from '../errors/errors.js';
import { commandNameOf } from '../errors/redact.js';
import type { Classification } from '../errors/types.js';

type Results = ReadonlyArray<readonly [Error | null, unknown]>;

export function finalError(
  operation: string,
  attempts: number,
  c: Classification,
  err: unknown,
): RedisUnavailableError {
  const batch = err instanceof FailedBatch ? err : undefined;
  const cause = batch ? batch.failure : err;
  const results = batch && typedResults(operation, attempts, batch);
  if (attempts === 1) {
    // Ours already (not sent, timed out, closed …): as is, unless a batch's entries must be attached.
    if (cause instanceof RedisUnavailableError && !results) return cause;
    return new RedisUnavailableError(`${operation.toUpperCase()} failed: Redis unavailable (${c.type})`, {
      operation,
      errorType: c.type,
      attempts: 1,
      ...(c.provenNotExecuted && { sent: false }),
      cause,
      ...(results && { results }),
    });
  }
  const reason = c.category === 'unavailable' ? 'Redis unavailable' : c.category.replace('_', ' ');
  return new RetriesExhaustedError(operation, attempts, c.type, reason, cause, results);
}

/** ioredis's `[error, result]` entries, with every entry that failed for a reason that counts made typed. */
function typedResults(operation: string, attempts: number, batch: FailedBatch): Results {
  return batch.results.map(([e, value]) => {
    if (e === null || e === undefined) return [null, value] as const;
    const c = classifyError(e);
    if (!c.countsAsFailure) return [e as Error, value] as const;
    const name = commandNameOf(e) ?? 'entry';
    const typed = new RedisUnavailableError(
      `${name.toUpperCase()} in ${operation.toUpperCase()} failed: Redis unavailable (${c.type})`,
      { operation, errorType: c.type, attempts, ...(c.provenNotExecuted && { sent: false }), cause: e },
    );
    return [typed, value] as const;
  });
}
