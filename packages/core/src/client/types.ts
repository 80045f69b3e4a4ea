/** Types shared by the guarded client and its batches. */
import type { Cluster, Redis } from 'ioredis';
import type { Executor } from './executor.js';

export type AnyFn = (...args: unknown[]) => unknown;
export type Callback = (err: unknown, result?: unknown) => void;

export interface GuardedCore {
  executor: Executor;
  /** The client reported as `status` and `raw` (the pool's first connection). */
  redis: () => Redis | Cluster;
  idempotentWrites: ReadonlySet<string>;
}
