/**
 * WATCH … EXEC and MULTI … EXEC on one connection (a pool of one, a lease, a duplicate). While such a transaction is
 * open, each call gets one attempt: a retry could land on a new connection, outside the transaction. Once the
 * connection it began on is gone, Redis has dropped the WATCH (or the queued MULTI) with it: the rest of the
 * transaction is refused, not run on its own, until EXEC, DISCARD or UNWATCH ends it. A WATCH that silently
 * vanished would otherwise let the EXEC that follows apply a lost update.
 */
import { RedisUnavailableError } from '../errors/errors.js';

type Kind = 'watch' | 'multi';

/** Commands that open, end or take part in a transaction's bookkeeping. */
export const TX_COMMANDS: ReadonlySet<string> = new Set(['watch', 'unwatch', 'multi', 'exec', 'discard']);

export class TxGuard {
  /** True while a WATCH or MULTI is open: read on every call, so a plain field. */
  active = false;
  private kind: Kind | undefined;
  private socket: unknown;

  /** `socket()`: the connection's current socket, or undefined where there is no single one (Cluster). */
  constructor(private readonly currentSocket: () => unknown) {}

  /**
   * Run `name` under the transaction's rules: `start(once)` sends it (once: a single attempt). Commands outside a
   * transaction that open one (WATCH, MULTI) are tracked from their reply.
   */
  run<T>(name: string, start: (once: boolean) => Promise<T>): Promise<T> {
    const wasActive = this.active;
    if (wasActive && this.socket !== this.currentSocket()) {
      const kind = this.kind!;
      if (name === 'unwatch' || name === 'discard') {
        this.end();
        return start(false);
      }
      if (name === 'exec') this.end();
      return Promise.reject(lostError(name, kind));
    }
    const promise = start(wasActive);
    if (TX_COMMANDS.has(name)) {
      promise.then(
        () => this.settled(name, true),
        () => this.settled(name, false),
      );
    }
    return promise;
  }

  private settled(name: string, ok: boolean): void {
    if (name === 'exec' || name === 'discard' || (name === 'unwatch' && this.kind === 'watch')) this.end();
    else if (ok && (name === 'watch' || name === 'multi')) this.begin(name);
  }

  private begin(kind: Kind): void {
    if (!this.active) this.socket = this.currentSocket();
    this.kind = kind;
    this.active = true;
  }

  private end(): void {
    this.kind = undefined;
    this.socket = undefined;
    this.active = false;
  }
}

function lostError(name: string, kind: Kind): RedisUnavailableError {
  return new RedisUnavailableError(
    `${name.toUpperCase()} not sent: the connection was lost after ${kind.toUpperCase()}, and Redis dropped the ` +
      'transaction with it; start the transaction again',
    { operation: name, errorType: 'closed', attempts: 0, sent: false, retryable: false },
  );
}
