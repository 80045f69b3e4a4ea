/**
 * The breaker's half-open probe: one PING, bounded, outside the breaker and without retries; user calls are rejected
 * while it runs, so nobody waits for it.
 * - Standalone: on a connection that is ready now; with none it fails at once, because the connection reconnects on
 *   its own and its `ready` triggers the next probe (breaker.ts).
 * - Cluster: on the master's own connection, whatever its state. ioredis connects a master lazily, on its first
 *   command, and while the breaker rejects every call for that master the probe is the only command that would.
 *   When ioredis has dropped the master from its pool, a one-off connection asks it instead (the cluster creates its
 *   own connection again on the first command routed there).
 */
import { type Cluster, Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { clusterNode } from './cluster-routing.js';
import type { RedisClient } from './connection-settings.js';
import { isClusterInstance } from './detect.js';
import type { ConnectionPool } from './pool.js';

function notReady(what: string): Error {
  return Object.assign(new Error(`probe: no ready connection to ${what}`), { code: 'ECONNREFUSED' });
}

function bounded<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimeout(() => {
      p.catch(() => {});
      reject(Object.assign(new Error(`probe timed out after ${ms} ms`), { code: 'ETIMEDOUT' }));
    }, ms);
    p.then(
      (v) => {
        clock.clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(t);
        reject(e);
      },
    );
  });
}

export function createProbe(
  pool: ConnectionPool,
  redis: RedisClient,
  t: { connectMs: number; commandMs: number },
  clock: Clock,
) {
  return (node: string): Promise<unknown> => {
    if (isClusterInstance(redis) && node !== 'default') {
      const target = clusterNode(redis, node);
      if (target) {
        return bounded(target.ping(), target.status === 'ready' ? t.commandMs : t.connectMs + t.commandMs, clock);
      }
      return pingAside(redis, node, t, clock);
    }
    const conn = pool.pick();
    if (!conn) return Promise.reject(notReady('Redis'));
    return bounded(conn.client.ping(), t.commandMs, clock);
  };
}

/** PING a master the cluster has no connection to, on a connection of its own that is closed right after. */
async function pingAside(
  cluster: Cluster,
  node: string,
  t: { connectMs: number; commandMs: number },
  clock: Clock,
): Promise<unknown> {
  const i = node.lastIndexOf(':');
  const host = node.slice(0, i);
  const port = Number(node.slice(i + 1));
  if (!host || !Number.isInteger(port)) throw notReady(node);
  const once = new Redis({
    ...cluster.options.redisOptions,
    host,
    port,
    lazyConnect: true,
    connectTimeout: t.connectMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: () => null,
    disconnectTimeout: 0,
  });
  once.on('error', () => {});
  try {
    return await bounded(
      once.connect().then(() => once.ping()),
      t.connectMs + t.commandMs,
      clock,
    );
  } finally {
    once.disconnect();
  }
}
