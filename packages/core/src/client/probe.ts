/**
 * The breaker's half-open probe: one PING on a connection that is ready now, bounded by the reply timeout, outside
 * the breaker and without retries. With no ready connection it fails at once: a probe never waits for a connection
 * attempt, because the reconnect itself triggers the next probe (breaker.ts).
 */
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

export function createProbe(pool: ConnectionPool, redis: RedisClient, commandMs: number, clock: Clock) {
  return (node: string): Promise<unknown> => {
    if (isClusterInstance(redis) && node !== 'default') {
      const target = clusterNode(redis, node);
      if (target?.status !== 'ready') return Promise.reject(notReady(node));
      return bounded(target!.ping(), commandMs, clock);
    }
    const conn = pool.pick();
    if (!conn) return Promise.reject(notReady('Redis'));
    return bounded(conn.client.ping(), commandMs, clock);
  };
}
