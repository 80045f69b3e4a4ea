/**
 * `rr.cache.getOrLoad(key, loader)`: cache-aside that keeps serving when Redis does not.
 *
 * Healthy: GET; a hit is decoded and returned, a miss calls the loader and populates with SET EX (best-effort:
 * the reply is not awaited and a failed SET never fails the request). Unavailable: the loader is the answer,
 * with no wait beyond the guarded client's fail-fast path. Calls for one key share one flight in both modes.
 * A loader gets `loaderTimeoutMs`: past it, every caller of that flight gets LoaderTimeoutError and the next call
 * starts a fresh one, so a hung primary source cannot hold a key for ever.
 */
import { ClientClosedError, InvalidOptionsError, isRedisUnavailableError } from '../errors/errors.js';
import type { CallTracker } from '../instrumentation.js';
import { MAX_INT, type ResolvedCacheOptions } from '../options/fallbacks.js';
import { isStorable } from './codec.js';
import type { FallbackDeps } from './deps.js';
import { LoaderTimeoutError } from './errors.js';
import { SingleFlight } from './single-flight.js';
import type { Codec, GetOrLoadOptions, Loader } from './types.js';
import { nonEmptyString, positiveInt } from './validate.js';

export interface Cache {
  /**
   * The cached value of `key`, or the loader's (then cached for `ttlSeconds`). A loader error propagates as is; a
   * loader that does not settle within `loaderTimeoutMs` rejects with LoaderTimeoutError (its `signal` is aborted).
   */
  getOrLoad<T>(key: string, loader: Loader<T>, opts?: GetOrLoadOptions<T>): Promise<T>;
}

/** The cache as init() holds it. */
export interface ManagedCache extends Cache {
  /** Release every waiting caller with ClientClosedError, abort running loaders; later calls reject the same way. */
  close(): void;
}

/** setTimeout's limit. */
const MAX_TIMEOUT_MS = MAX_INT;

/** One shared flight's outcome. A loader error is carried, not thrown, so every joiner can count its own result. */
interface Flight {
  result: 'hit' | 'miss' | 'fallback';
  /** The bounded errorType that sent this flight to the loader (fallback only). */
  reason?: string;
  value?: unknown;
  failed?: { error: unknown };
}

const swallow = () => {};

/** `defaults`: the cache's options, checked and merged at init (options/fallbacks.ts). */
export function createCache(deps: FallbackDeps, defaults: ResolvedCacheOptions): ManagedCache {
  const { client, instrumentation } = deps;
  const defaultTtl = defaults.ttlSeconds;
  const defaultLoaderTimeout = defaults.loaderTimeoutMs;
  const defaultCodec = defaults.codec;
  const flights = new SingleFlight<Flight>();
  /** Loaders running now, so close() can abort them and clear their timers. */
  const running = new Set<{ abort: AbortController; timer: NodeJS.Timeout; expire: (err: Error) => void }>();
  let closed = false;

  /** The loader's answer, or its error, or LoaderTimeoutError once `timeoutMs` passed (the flight then ends). */
  async function callLoader(
    loader: Loader<unknown>,
    timeoutMs: number,
    tracker: CallTracker,
  ): Promise<{ value?: unknown; failed?: { error: unknown } }> {
    if (closed) return { failed: { error: new ClientClosedError('cache.getOrLoad') } };
    const abort = new AbortController();
    let expire!: (err: Error) => void;
    const expired = new Promise<never>((_, reject) => {
      expire = reject;
    });
    const timer = setTimeout(() => {
      const err = new LoaderTimeoutError(timeoutMs);
      abort.abort(err);
      expire(err);
    }, timeoutMs);
    timer.unref(); // a loader's own work keeps the process alive if it must; the deadline on it should not
    const entry = { abort, timer, expire };
    running.add(entry);
    try {
      const loaded = Promise.resolve(tracker.runInContext(() => loader({ signal: abort.signal })));
      return { value: await Promise.race([loaded, expired]) };
    } catch (error) {
      return { failed: { error } };
    } finally {
      clearTimeout(timer);
      running.delete(entry);
    }
  }

  async function fly(
    key: string,
    loader: Loader<unknown>,
    ttl: number,
    codec: Codec,
    timeoutMs: number,
    tracker: CallTracker,
  ): Promise<Flight> {
    const load = () => callLoader(loader, timeoutMs, tracker);
    // With the breaker open the GET would only collect a rejection: go straight to the loader.
    if (deps.breakerOpen?.()) return { result: 'fallback', reason: 'circuit_open', ...(await load()) };
    let raw: string | Buffer | null = null;
    try {
      raw = await tracker.runInContext(() => (codec.binary ? client.getBuffer(key) : client.get(key)));
    } catch (err) {
      if (isRedisUnavailableError(err)) {
        return { result: 'fallback', reason: err.errorType, ...(await load()) };
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
    const loaded = await load();
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
    async getOrLoad<T>(key: string, loader: Loader<T>, opts: GetOrLoadOptions<T> = {}): Promise<T> {
      if (closed) throw new ClientClosedError('cache.getOrLoad');
      nonEmptyString('cache.getOrLoad: key', key);
      if (typeof loader !== 'function') throw new TypeError('cache.getOrLoad: loader must be a function');
      const ttl = opts.ttlSeconds === undefined ? defaultTtl : positiveInt('ttlSeconds', opts.ttlSeconds);
      const codec = opts.codec === undefined ? defaultCodec : checkCodec('codec', opts.codec);
      const timeoutMs =
        opts.loaderTimeoutMs === undefined
          ? defaultLoaderTimeout
          : positiveInt('loaderTimeoutMs', opts.loaderTimeoutMs, MAX_TIMEOUT_MS);

      const tracker = instrumentation.startCall('cache.getOrLoad', []);
      let flight: Flight;
      try {
        // The flight's starter sets its loader timeout; callers that join share it.
        flight = await flights.run(key, () => fly(key, loader, ttl, codec as Codec, timeoutMs, tracker));
      } catch (err) {
        // Rejected by close() (fly itself catches everything): no result to count.
        tracker.end('failure', 0, err);
        throw err;
      }
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
    close() {
      if (closed) return;
      closed = true;
      const err = new ClientClosedError('cache.getOrLoad');
      for (const { abort, timer, expire } of running) {
        clearTimeout(timer);
        abort.abort(err);
        expire(err); // the flight ends now, whatever the loader does
      }
      running.clear();
      flights.rejectAll(err);
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
