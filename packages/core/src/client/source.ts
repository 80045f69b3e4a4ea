/** Where an attempt gets its connection: the shared pool, or one leased connection. */
import type { Connection } from './connection.js';

export interface ConnectionSource {
  /** A ready connection to send on now, or undefined. */
  pick(): Connection | undefined;
  /** Wait, bounded, until `pick()` may succeed. Rejects with an unavailable error (sent: false) otherwise. */
  waitReady(operation: string, waitMs: number): Promise<void>;
}

/** What a leased connection waits on: its pool's bounded wait for that connection alone. */
export interface LeaseWaits {
  waitReady(operation: string, waitMs: number, target: Connection): Promise<void>;
}

/** A leased connection as a source: attempts go to it alone. */
export class PinnedSource implements ConnectionSource {
  constructor(
    private readonly pool: LeaseWaits,
    readonly conn: Connection,
  ) {}

  pick(): Connection | undefined {
    return this.conn.ready ? this.conn : undefined;
  }

  waitReady(operation: string, waitMs: number): Promise<void> {
    return this.pool.waitReady(operation, waitMs, this.conn);
  }
}
