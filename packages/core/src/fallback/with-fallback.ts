/**
 * `rr.withFallback(name, primary, fallback)`: the generic degradation. The fallback runs only when Redis was
 * unavailable (the RedisUnavailableError family); a command error or any other error is the primary's answer
 * and propagates. Counted as fallback_type="custom", traced as `fallback.<name>`.
 */

import { ClientClosedError, isRedisUnavailableError, type RedisUnavailableError } from '../errors/errors.js';
import type { FallbackDeps } from './deps.js';

export type WithFallback = <T>(
  name: string,
  primary: () => Promise<T> | T,
  fallback: (err: RedisUnavailableError) => Promise<T> | T,
) => Promise<T>;

/** Names become the `operation` label (`fallback.<name>`): app-defined constants, never data. */
const NAME = /^[a-z][A-Za-z0-9_]{0,39}$/;

export function withFallback(deps: Pick<FallbackDeps, 'instrumentation' | 'closed'>): WithFallback {
  const { instrumentation } = deps;
  return async function run<T>(
    name: string,
    primary: () => Promise<T> | T,
    fallback: (err: RedisUnavailableError) => Promise<T> | T,
  ): Promise<T> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new TypeError(
        'withFallback: name must be a constant like "recommendations" (a letter, then up to 39 letters, digits or _)',
      );
    }
    if (typeof primary !== 'function' || typeof fallback !== 'function') {
      throw new TypeError('withFallback: primary and fallback must be functions');
    }
    // A closed instance is not an outage: its fallbacks do not stand in for it.
    if (deps.closed?.()) throw new ClientClosedError('withFallback');
    const tracker = instrumentation.startCall(`fallback.${name}`, []);
    let primaryError: unknown;
    try {
      const value = await tracker.runInContext(primary);
      tracker.end('success', 0);
      return value;
    } catch (err) {
      if (!isRedisUnavailableError(err)) {
        tracker.end('failure', 0, err);
        throw err;
      }
      primaryError = err;
    }
    const cause = primaryError as RedisUnavailableError;
    try {
      const value = await tracker.runInContext(() => fallback(cause));
      tracker.fallback('custom', cause.errorType, true);
      tracker.end('fallback', 0);
      return value;
    } catch (err) {
      tracker.fallback('custom', cause.errorType, false);
      tracker.end('failure', 0, err);
      throw err;
    }
  };
}
