/**
 * Connections made after `init`, each for one purpose (a subscriber, a duplicate, a blocking command, a lease on a
 * pool of one): copies of the pool's first connection, under the same settings (instance-safety.ts), each in a pool
 * of its own so that it gets the same status tracking, watchdogs and bounded wait as the shared ones.
 */
import type { Clock } from '../clock.js';
import type { Instrumentation } from '../instrumentation.js';
import type { RedisClient } from './connection-settings.js';
import { isClusterInstance } from './detect.js';
import { secureInstance } from './instance-safety.js';
import { ConnectionPool, type PoolConfig } from './pool.js';

export interface DedicatedDeps {
  config: PoolConfig;
  telemetry: Instrumentation;
  clock: Clock;
}

/** A new ioredis client with `template`'s options (and `override`), under our settings whatever `override` says. */
export function dedicatedClient(template: RedisClient, config: PoolConfig, override?: object): RedisClient {
  if (isClusterInstance(template)) return template.duplicate(undefined, override);
  const client = template.duplicate(override);
  secureInstance(client, config);
  return client;
}

/** One new connection in a pool of its own, named `name` in the pool metrics. */
export function dedicatedPool(
  deps: DedicatedDeps,
  template: RedisClient,
  name: string,
  override?: object,
): ConnectionPool {
  const client = dedicatedClient(template, deps.config, override);
  return new ConnectionPool([{ client, owned: true }], deps.config, deps.telemetry, deps.clock, name);
}
