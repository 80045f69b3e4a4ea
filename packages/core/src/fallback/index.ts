/**
 * The fallbacks as `init()` hands them out. The queue and the session store are created on first access: no
 * SQLite file appears unless the queue is used, and express-session is only required by services that use it.
 */
import type { QueueHealth } from '../health.js';
import type { ResolvedFallbackOptions } from '../options/fallbacks.js';
import { type Cache, createCache } from './cache.js';
import type { FallbackDeps } from './deps.js';
import { CLOSED_QUEUE, createQueue, type ManagedQueue, type StreamQueue } from './queue.js';
import { createSessionStore, type SessionStore } from './sessions.js';
import { type WithFallback, withFallback } from './with-fallback.js';

export interface Fallbacks {
  /** Cache-aside with the loader as the fallback. */
  readonly cache: Cache;
  /** express-session Store with an in-memory fallback (needs express-session installed). */
  readonly sessions: SessionStore;
  /** Redis Streams producer with a durable local spool. */
  readonly queue: StreamQueue;
  readonly withFallback: WithFallback;
  /** The queue's part of `health()`; undefined until the queue is used. */
  queueHealth(): QueueHealth | undefined;
  /** Stop the timers, settle waiting cache callers and close the spool. Idempotent. */
  close(): void;
}

/** `options`: checked and merged at init, with the rest of the options, before anything connects. */
export function createFallbacks(deps: FallbackDeps & { options: ResolvedFallbackOptions }): Fallbacks {
  const { options, ...core } = deps;
  const sessionOptions = options.sessions;
  const queueOptions = options.queue;
  const cache = createCache(core, options.cache);
  let sessions: SessionStore | undefined;
  let queue: ManagedQueue | undefined;
  let closed = false;
  return {
    cache,
    get sessions() {
      sessions ??= createSessionStore(core, sessionOptions);
      // Made after close: a store like any closed one, whose every method fails with ClientClosedError.
      if (closed) sessions.close();
      return sessions;
    },
    get queue(): StreamQueue {
      // After close, a getter that throws would break code that only meant to call publish (and get ClientClosedError).
      if (closed && !queue) return CLOSED_QUEUE;
      queue ??= createQueue(core, queueOptions);
      return queue;
    },
    withFallback: withFallback(core),
    queueHealth: () => queue?.health(),
    close() {
      closed = true;
      cache.close();
      sessions?.close();
      queue?.close();
    },
  };
}

export type { Cache } from './cache.js';
export { jsonCodec } from './codec.js';
export { isLoaderTimeoutError, isSpoolFullError, LoaderTimeoutError, SpoolFullError } from './errors.js';
export type { StreamQueue } from './queue.js';
export type { SessionStore } from './sessions.js';
export type {
  BinaryCodec,
  CacheOptions,
  Codec,
  FallbackOptions,
  GetOrLoadOptions,
  Loader,
  PublishOptions,
  PublishResult,
  SessionRecord,
  SessionSerializer,
  SessionStoreOptions,
  StreamPayload,
  StreamQueueOptions,
  TextCodec,
} from './types.js';
export type { WithFallback } from './with-fallback.js';
