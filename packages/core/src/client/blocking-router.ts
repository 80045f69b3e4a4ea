/**
 * A blocking command (BLPOP, BRPOPLPUSH, XREAD BLOCK, WAIT …) sent on `rr.client` runs on a connection of its own.
 * On the shared connection it would hold up every command behind it, those would time out, and the PING watchdog
 * would then take the connection down, the blocking command with it. With a pool of N it leases one of the N-1
 * leasable connections (waiting at most `pool.acquireTimeoutMs`, then PoolTimeoutError); with a pool of one it uses
 * a dedicated connection, kept afterwards as a spare for the next blocking call (a worker loop opens one, not one
 * per call).
 */
import { type Route, runCommand } from './commands.js';
import { dedicatedPool } from './dedicated.js';
import type { HostContext } from './host.js';
import type { ConnectionPool } from './pool.js';
import { PinnedSource } from './source.js';
import type { GuardedCore } from './types.js';
import type { Lease } from './with-connection.js';

export class BlockingRouter {
  private spare: ConnectionPool | undefined;

  constructor(
    private readonly ctx: HostContext,
    private readonly pool: ConnectionPool,
    private readonly lease: Lease,
  ) {
    ctx.owned.add({ close: () => this.dropSpare() });
  }

  /** Run a blocking command (`args` without a callback) on a connection of its own. */
  run(core: GuardedCore, name: string, args: unknown[], method: string, flags: number): Promise<unknown> {
    const on = (route: Route) => runCommand(core, name, args, method, flags, route);
    if (!this.pool.lendsDedicated) {
      return this.lease((waits, conn) => on({ executor: this.ctx.executor.on(new PinnedSource(waits, conn)) }));
    }
    const { ctx } = this;
    const lender = this.takeSpare() ?? dedicatedPool(ctx, this.pool.primary.client, `${ctx.poolName}:blocking`);
    const done = on({ executor: ctx.executor.on(new PinnedSource(lender, lender.primary)) });
    // Kept only after a reply: a connection whose command timed out may still be blocked on the server.
    done.then(
      () => this.giveBack(lender),
      () => void lender.close(),
    );
    return done;
  }

  /** The spare is closed: the client disconnected, or the instance closed. */
  dropSpare(): void {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) void spare.close();
  }

  private takeSpare(): ConnectionPool | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (spare && !spare.primary.ready) {
      void spare.close();
      return undefined;
    }
    return spare;
  }

  private giveBack(lender: ConnectionPool): void {
    const keep = this.spare === undefined && !this.ctx.owned.isClosed && lender.primary.ready;
    if (keep) this.spare = lender;
    else void lender.close();
  }
}
