/**
 * `rr.withConnection(fn)`: lease a connection exclusively (blocking commands, WATCH/MULTI, pub/sub), with a bounded
 * wait for it. A pool of one keeps its only connection for shared traffic and lends a connection made for the lease.
 * `lease` is the primitive underneath, also used to route a blocking command of rr.client (blocking-router.ts).
 */
import { ClientClosedError } from '../errors/errors.js';
import type { Connection } from './connection.js';
import { dedicatedPool } from './dedicated.js';
import type { ResilientClient } from './guarded-client.js';
import { exclusiveClient, type HostContext, LeaseHost } from './host.js';
import type { ConnectionPool } from './pool.js';
import type { LeaseWaits } from './source.js';

export interface LeaseDeps {
  pool: ConnectionPool;
  ctx: HostContext;
  acquireTimeoutMs: number;
}

export type WithConnection = <T>(
  fn: (conn: ResilientClient) => Promise<T>,
  opts?: { timeoutMs?: number },
) => Promise<T>;

/** Run `fn` on a connection held exclusively until it settles; `waits` is where its attempts wait for it. */
export type Lease = <T>(fn: (waits: LeaseWaits, conn: Connection) => Promise<T>, timeoutMs?: number) => Promise<T>;

export function createLeases({ pool, ctx, acquireTimeoutMs }: LeaseDeps): {
  lease: Lease;
  withConnection: WithConnection;
} {
  const { clock, telemetry, poolName } = ctx;

  async function lease<T>(fn: (waits: LeaseWaits, conn: Connection) => Promise<T>, timeoutMs = acquireTimeoutMs) {
    if (ctx.executor.isClosed) throw new ClientClosedError('withConnection');
    const waitStart = clock.now();
    const lender = pool.lendsDedicated ? dedicatedPool(ctx, pool.primary.client, `${poolName}:lease`) : pool;
    try {
      const conn = lender === pool ? await pool.acquire(timeoutMs) : lender.primary;
      try {
        if (!conn.ready) await lender.waitReady('withConnection', timeoutMs - (clock.now() - waitStart), conn);
        const useStart = clock.now();
        telemetry.emit('poolWait', { pool: poolName, seconds: (useStart - waitStart) / 1000 });
        try {
          return await fn(lender, conn);
        } finally {
          telemetry.emit('poolUse', { pool: poolName, seconds: (clock.now() - useStart) / 1000 });
        }
      } finally {
        // Whatever happened after the lease was granted (Redis down, fn threw), give the connection back.
        if (lender === pool) pool.release(conn);
      }
    } finally {
      if (lender !== pool) await lender.close();
    }
  }

  const withConnection: WithConnection = (fn, o = {}) =>
    lease(async (waits, conn) => {
      const host = new LeaseHost(ctx, conn);
      try {
        return await fn(exclusiveClient(ctx, waits, conn, host));
      } finally {
        host.release();
      }
    }, o.timeoutMs);
  return { lease, withConnection };
}
