/**
 * `rr.withConnection(fn)`: lease a connection exclusively (blocking commands, WATCH/MULTI, pub/sub), with a bounded
 * wait for it. A pool of one keeps its only connection for shared traffic and lends a connection made for the lease.
 */
import type { Clock } from '../clock.js';
import { ClientClosedError } from '../errors/errors.js';
import type { Instrumentation } from '../instrumentation.js';
import { createClients, type RedisClient } from './connection-settings.js';
import type { Executor } from './executor.js';
import { createGuardedClient, type ResilientClient } from './guarded-client.js';
import { ConnectionPool, type PoolConfig } from './pool.js';
import { PinnedSource } from './source.js';

export interface LeaseDeps {
  pool: ConnectionPool;
  redis: RedisClient;
  config: PoolConfig;
  telemetry: Instrumentation;
  clock: Clock;
  executor: Executor;
  idempotentWrites: ReadonlySet<string>;
  poolName: string;
  acquireTimeoutMs: number;
}

export type WithConnection = <T>(
  fn: (conn: ResilientClient) => Promise<T>,
  opts?: { timeoutMs?: number },
) => Promise<T>;

export function createWithConnection(d: LeaseDeps): WithConnection {
  return async function withConnection<T>(fn: (conn: ResilientClient) => Promise<T>, o: { timeoutMs?: number } = {}) {
    if (d.executor.isClosed) throw new ClientClosedError('withConnection');
    const timeoutMs = o.timeoutMs ?? d.acquireTimeoutMs;
    const waitStart = d.clock.now();
    const lender = d.pool.lendsDedicated
      ? new ConnectionPool(
          createClients(d.redis, d.config, 2).slice(1),
          d.config,
          d.telemetry,
          d.clock,
          `${d.poolName}:lease`,
        )
      : d.pool;
    try {
      const conn = lender === d.pool ? await d.pool.acquire(timeoutMs) : lender.primary;
      try {
        if (!conn.ready) await lender.waitReady('withConnection', timeoutMs - (d.clock.now() - waitStart), conn);
        const useStart = d.clock.now();
        d.telemetry.emit('poolWait', { pool: d.poolName, seconds: (useStart - waitStart) / 1000 });
        const pinned = createGuardedClient({
          executor: d.executor.on(new PinnedSource(lender, conn)),
          redis: () => conn.client,
          idempotentWrites: d.idempotentWrites,
        });
        try {
          return await fn(pinned);
        } finally {
          d.telemetry.emit('poolUse', { pool: d.poolName, seconds: (d.clock.now() - useStart) / 1000 });
        }
      } finally {
        // Whatever happened after the lease was granted (Redis down, fn threw), give the connection back.
        if (lender === d.pool) d.pool.release(conn);
      }
    } finally {
      if (lender !== d.pool) await lender.close();
    }
  };
}
