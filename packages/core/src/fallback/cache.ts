/**
 * `rr.cache.getOrLoad(key, loader)`: cache-aside that keeps serving when Redis does not.
 *
 * Healthy: GET; a hit is decoded and returned, a miss calls the loader and populates with SET EX (best-effort:
 * the reply is not awaited and a failed SET never fails the request). Unavailable: the loader is the answer,
 * with no wait beyond the guarded client's fail-fast path. Calls for one key share one flight in both modes.
 */

import { InvalidOptionsError, isRedisUnavailableError } from '../errors/errors.js';
import type { CallTracker } from '../instrumentation.js';
import { isStorable, jsonCodec } from './codec.js';
import type { FallbackDeps } from './deps.js';
import { SingleFlight } from './single-flight.js';
import type { CacheOptions, Codec, GetOrLoadOptions } from './types.js';
import { checkKeys, nonEmptyString, positiveInt } from './validate.js';

export interface Cache {
  /** The cached value of `key`, or the loader's (then cached for `ttlSeconds`). A loader error propagates as is. */
  getOrLoad<T>(key: string, loader: () => Promise<T> | T, opts?: GetOrLoadOptions<T>): Promise<T>;
}

export const CACHE_DEFAULTS = Object.freeze({ ttlSeconds: 300 });

/** One shared flight's outcome. A loader error is carried, not thrown, so every joiner can count its own result. */
interface Flight {
  result: 'hit' | 'miss' | 'fallback';
  /** The bounded errorType that sent this flight to the loader (fallback only). */
  reason?: string;
  value?: unknown;
  failed?: { error: unknown };
}

const swallow = () => {};

export function createCache(deps: FallbackDeps, defaults: CacheOptions = {}): Cache {
  const { client, instrumentation } = deps;
  checkKeys('fallbacks.cache', defaults, ['ttlSeconds', 'codec']);
  const defaultTtl =
    defaults.ttlSeconds === undefined
      ? CACHE_DEFAULTS.ttlSeconds
      : positiveInt('fallbacks.cache.ttlSeconds', defaults.ttlSeconds);
  const defaultCodec = checkCodec('fallbacks.cache.codec', defaults.codec ?? jsonCodec);
  const flights = new SingleFlight<Flight>();

  async function callLoader(
    loader: () => unknown,
    tracker: CallTracker,
  ): Promise<{ value?: unknown; failed?: { error: unknown } }> {
    try {
      return { value: await tracker.runInContext(loader) };
    } catch (error) {
      return { failed: { error } };
    }
  }

  async function fly(
    key: string,
    loader: () => unknown,
    ttl: number,
    codec: Codec,
    tracker: CallTracker,
  ): Promise<Flight> {
    // With the breaker open the GET would only collect a rejection: go straight to the loader.
    if (deps.breakerOpen?.())
      return { result: 'fallback', reason: 'circuit_open', ...(await callLoader(loader, tracker)) };
    let raw: string | Buffer | null = null;
    try {
      raw = await tracker.runInContext(() => (codec.binary ? client.getBuffer(key) : client.get(key)));
    } catch (err) {
      if (isRedisUnavailableError(err)) {
        return { result: 'fallback', reason: err.errorType, ...(await callLoader(loader, tracker)) };
      }
      // A command error (WRONGTYPE: the key holds something else) means no usable entry: load, and SET replaces it.
    }
    if (raw !== null) {
      try {
        return { result: 'hit', value: (codec.decode as (r: string | Buffer) => unknown)(raw) };
      } catch {
        // A value the codec rejects (corrupt, or written by an older format) is a miss: reload and overwrite it.
      }
    }
    const loaded = await callLoader(loader, tracker);
    if (!loaded.failed) populate(key, loaded.value, ttl, codec);
    return { result: 'miss', ...loaded };
  }

  function populate(key: string, value: unknown, ttl: number, codec: Codec): void {
    let encoded: unknown;
    try {
      encoded = (codec.encode as (v: unknown) => unknown)(value);
    } catch {
      return; // a value the codec cannot encode is served but not cached
    }
    if (!isStorable(encoded)) return;
    client.set(key, encoded, 'EX', ttl).catch(swallow);
  }

  return {
    async getOrLoad<T>(key: string, loader: () => Promise<T> | T, opts: GetOrLoadOptions<T> = {}): Promise<T> {
      nonEmptyString('cache.getOrLoad: key', key);
      if (typeof loader !== 'function') throw new TypeError('cache.getOrLoad: loader must be a function');
      const ttl = opts.ttlSeconds === undefined ? defaultTtl : positiveInt('ttlSeconds', opts.ttlSeconds);
      const codec = opts.codec === undefined ? defaultCodec : checkCodec('codec', opts.codec);

      const tracker = instrumentation.startCall('cache.getOrLoad', []);
      const flight = await flights.run(key, () => fly(key, loader, ttl, codec as Codec, tracker));
      // Every caller is one request: count the result of the flight it joined.
      instrumentation.emit('cacheResult', { result: flight.result });
      if (flight.result === 'fallback') {
        const served = !flight.failed;
        const reason = flight.reason ?? 'other';
        tracker.fallback('cache_aside', reason, served);
        tracker.end(served ? 'fallback' : 'failure', 0, flight.failed?.error);
      } else {
        tracker.end(flight.failed ? 'failure' : 'success', 0, flight.failed?.error);
      }
      if (flight.failed) throw flight.failed.error;
      return flight.value as T;
    },
  };
}

function checkCodec(field: string, codec: unknown): Codec {
  const c = codec as Partial<Codec> | null;
  if (typeof c !== 'object' || c === null || typeof c.encode !== 'function' || typeof c.decode !== 'function') {
    throw new InvalidOptionsError(field, [`${field}: must be an object with encode(value) and decode(raw) functions`]);
  }
  return c as Codec;
}
