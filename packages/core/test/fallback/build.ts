/**
 * Building one fallback by itself in a test: its options go through the same schema and defaults as at `init`
 * (`resolveFallbacks`), so a bad option fails here with init's message.
 */
import { createCache } from '../../src/fallback/cache.js';
import type { FallbackDeps } from '../../src/fallback/deps.js';
import { createFallbacks } from '../../src/fallback/index.js';
import { createQueue } from '../../src/fallback/queue.js';
import { createSessionStore } from '../../src/fallback/sessions.js';
import type {
  CacheOptions,
  FallbackOptions,
  SessionStoreOptions,
  StreamQueueOptions,
} from '../../src/fallback/types.js';
import { resolveFallbacks } from '../../src/options/index.js';

export const createCacheWith = (deps: FallbackDeps, options?: CacheOptions) =>
  createCache(deps, resolveFallbacks({ cache: options }).cache);

export const createQueueWith = (deps: FallbackDeps, options?: StreamQueueOptions) =>
  createQueue(deps, resolveFallbacks({ queue: options }).queue);

export const createSessionStoreWith = (deps: FallbackDeps, options?: SessionStoreOptions) =>
  createSessionStore(deps, resolveFallbacks({ sessions: options }).sessions);

export const createFallbacksWith = (deps: FallbackDeps & { options?: FallbackOptions }) =>
  createFallbacks({ ...deps, options: resolveFallbacks(deps.options) });
