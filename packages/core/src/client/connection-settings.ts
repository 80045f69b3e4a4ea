/**
 * How ioredis clients are built: the settings that keep ioredis's own retries and queue out of the way, the
 * reconnect schedule, and what `redis` (a URL, options, an instance, or a Cluster config) turns into.
 */
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { classifyError } from '../errors/classify.js';
import type { Endpoint } from '../instrumentation.js';
import { isClusterInstance, isRedisInstance } from './detect.js';

export type RedisClient = Redis | Cluster;

export interface ConnectionConfig {
  connectMs: number;
}

/** The longest pause between two reconnect attempts: a returning Redis is found within about this long. */
export const MAX_RECONNECT_DELAY_MS = 500;

/**
 * Reconnect delays: exponential from 50 ms, capped at MAX_RECONNECT_DELAY_MS, each scaled by a random factor in
 * [0.5, 1) so that many clients that lost Redis together do not reconnect together. While Redis stays down that is
 * about 2.7 attempts per second per connection (a refused connect costs the server nothing to answer).
 */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(times, 10)) * (0.5 + random() / 2);
}

/** Keep reconnecting forever, with capped, jittered backoff, so the client recovers on its own. */
const retryStrategy = (times: number) => reconnectDelay(times);

/** After a Sentinel failover the old master answers READONLY: reconnect (ioredis asks Sentinel anew), then retry. */
const reconnectOnError = (err: Error) => (classifyError(err).type === 'readonly' ? 2 : false);

/** ioredis settings under our policies: no offline queue, no per-request reconnect retries, no silent resend. */
export function ioredisDefaults(config: Pick<ConnectionConfig, 'connectMs'>): RedisOptions {
  return {
    connectTimeout: config.connectMs,
    // 0: commands in flight when a connection drops fail at once instead of riding ioredis's reconnects.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // A command in flight when the connection dropped may have run; resending it could apply a write twice.
    autoResendUnfulfilledCommands: false,
    // close() settles every call first, so disconnecting has nothing to wait for; ioredis's default 2 s timer would
    // hold the process open whenever the socket had already failed (it waits for a 'close' that came before).
    disconnectTimeout: 0,
    retryStrategy,
    reconnectOnError,
  };
}

/**
 * The clients behind a pool of `size`: built from a URL or options, or the user's instance (which we never close)
 * plus duplicates of it. A Cluster pools per node itself, so it is used alone.
 */
export function createClients(
  redis: string | RedisOptions | RedisClient | ClusterConfig,
  config: Pick<ConnectionConfig, 'connectMs'>,
  size: number,
): { client: RedisClient; owned: boolean }[] {
  if (isClusterInstance(redis)) return [{ client: redis, owned: false }];
  if (isClusterConfig(redis)) {
    const { cluster, options = {} } = redis;
    const redisOptions = {
      connectTimeout: config.connectMs,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      disconnectTimeout: 0,
      ...options.redisOptions,
    };
    return [{ client: new Cluster(cluster, { ...options, redisOptions }), owned: true }];
  }
  if (isRedisInstance(redis)) {
    // init has put the instance under our settings already (instance-safety.ts): its duplicates copy them.
    const mine = redis;
    const extra = Array.from({ length: size - 1 }, () => ({ client: mine.duplicate(), owned: true }));
    return [{ client: mine, owned: false }, ...extra];
  }
  const defaults = ioredisDefaults(config);
  const make = () => (typeof redis === 'string' ? new Redis(redis, defaults) : new Redis({ ...defaults, ...redis }));
  return Array.from({ length: size }, () => ({ client: make(), owned: true }));
}

/** Cluster options for `init({ redis: { cluster: [...startup nodes], options } })`. */
export interface ClusterConfig {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

export function isClusterConfig(v: unknown): v is ClusterConfig {
  return typeof v === 'object' && v !== null && Array.isArray((v as ClusterConfig).cluster);
}

export function endpointOf(client: RedisClient): Endpoint {
  if (isClusterInstance(client)) {
    const first = (client as unknown as { startupNodes: unknown[] }).startupNodes[0] as
      | { host?: string; port?: number }
      | string
      | undefined;
    const node = typeof first === 'object' && first ? first : { host: '127.0.0.1', port: 6379 };
    return { address: String(node.host ?? '127.0.0.1'), port: Number(node.port ?? 6379), db: 0 };
  }
  const o = client.options;
  return { address: o.path ?? o.host ?? '127.0.0.1', port: o.path ? undefined : (o.port ?? 6379), db: o.db ?? 0 };
}
