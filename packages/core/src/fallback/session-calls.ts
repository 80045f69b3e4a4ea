/**
 * One session store call as users and telemetry see it: a callback or a promise (connect-redis's way), refused at
 * once after close, a logical span, and the fallback counted when memory stood in for Redis (or could not).
 */
import { classifyError } from '../errors/classify.js';
import { ClientClosedError, isRedisUnavailableError } from '../errors/errors.js';
import type { CallTracker, Instrumentation } from '../instrumentation.js';
import type { Outcome } from '../telemetry/catalog.js';

export type Callback<T> = (err: unknown, value?: T) => void;

/** What a store operation produced, and how telemetry should see it. */
export interface OpResult<T> {
  value: T;
  outcome: Outcome;
  /** Set when Redis was unavailable and memory answered (or could not). */
  fallback?: { reason: string; served: boolean };
}

export const ok = <T>(value: T): OpResult<T> => ({ value, outcome: 'success' });

/** Why Redis could not take a call right now, or undefined for an error that is the call's own. */
export function unavailableReason(err: unknown): string | undefined {
  if (isRedisUnavailableError(err)) return err.errorType;
  // OOM: Redis refuses writes until memory is freed; however it arrives, memory keeps the write meanwhile.
  return classifyError(err).type === 'oom' ? 'oom' : undefined;
}

/**
 * Runs `fn` as the store call `operation`. Without a callback the promise carries the result or the error; with
 * one, the callback gets them (once, outside the promise chain, so that its own throw is not swallowed) and the
 * promise never rejects.
 */
export function storeCall<T>(
  instrumentation: Instrumentation,
  closed: boolean,
  operation: string,
  callback: Callback<T> | undefined,
  fn: (t: CallTracker) => Promise<OpResult<T>>,
): Promise<T | undefined> {
  const result = closed ? Promise.reject(new ClientClosedError(operation)) : traced(instrumentation, operation, fn);
  if (!callback) return result;
  return result.then(
    (value) => {
      process.nextTick(callback, null, value);
      return value;
    },
    (err: unknown) => {
      process.nextTick(callback, err);
      return undefined;
    },
  );
}

function traced<T>(
  instrumentation: Instrumentation,
  operation: string,
  fn: (t: CallTracker) => Promise<OpResult<T>>,
): Promise<T> {
  const tracker = instrumentation.startCall(operation, []);
  const fallback = (reason: string, served: boolean) => {
    tracker.fallback('session_store', reason, served);
  };
  let pending: Promise<OpResult<T>>;
  try {
    pending = fn(tracker);
  } catch (err) {
    // A user's serializer or `ttl` function may throw before anything async: the same path as a rejection.
    pending = Promise.reject(err);
  }
  return pending.then(
    (r) => {
      if (r.fallback) fallback(r.fallback.reason, r.fallback.served);
      tracker.end(r.fallback && !r.fallback.served ? 'failure' : r.outcome, 0);
      return r.value;
    },
    (err: unknown) => {
      const reason = unavailableReason(err);
      // Memory cannot answer this one (a whole-store read, or a clear): a fallback that could not serve.
      if (reason !== undefined) fallback(reason, false);
      tracker.end(reason === undefined ? 'command_error' : 'failure', 0, err);
      throw err;
    },
  );
}
