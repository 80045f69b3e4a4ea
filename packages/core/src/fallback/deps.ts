/** What every fallback needs from `init()`: internal, never exported from the package. */
import type { ResilientClient } from '../client/guarded-client.js';
import type { Instrumentation } from '../instrumentation.js';

export interface FallbackDeps {
  /** The guarded client: Redis unavailability arrives as a RedisUnavailableError, quickly. */
  client: ResilientClient;
  instrumentation: Instrumentation;
  /** true while the breaker rejects calls: the fallbacks then skip Redis instead of collecting a rejection. */
  breakerOpen?: () => boolean;
  /** true once `rr.close()` was called: every fallback API then rejects with ClientClosedError. */
  closed?: () => boolean;
}
