/** What `rr.queue` is to the app and to init(), and the stand-in handed out after close(). */
import { ClientClosedError } from '../errors/errors.js';
import type { QueueHealth } from '../health.js';
import type { SpoolSettings } from './spool-format.js';
import type { PublishOptions, PublishResult, StreamPayload } from './types.js';

export interface StreamQueue {
  /**
   * Resolves once the message is in the stream or durably spooled; rejects with SpoolFullError when the spool is full,
   * and with ClientClosedError after close.
   */
  publish(stream: string, payload: StreamPayload, opts?: PublishOptions): Promise<PublishResult>;
  /** Replay the spool now; resolves with how many messages reached their stream. Rejects with ClientClosedError after close. */
  replay(): Promise<number>;
  /** Messages waiting in the spool, for one stream or all. */
  spooled(stream?: string): number;
  /** Stop the replay timer and close the spool file. Spooled messages stay on disk for the next process. */
  close(): void;
}

/** The queue as init() holds it: with its part of `health()`. */
export interface ManagedQueue extends StreamQueue {
  health(): QueueHealth;
  /** The spool's SQLite settings as SQLite reports them (journal, synchronous, locking). */
  spoolSettings(): SpoolSettings;
}

export const rejectClosed = (operation: string) => Promise.reject(new ClientClosedError(operation));

/** `rr.queue` after close() when it was never used: no spool is opened just to refuse calls. */
export const CLOSED_QUEUE: StreamQueue = Object.freeze({
  publish: () => rejectClosed('queue.publish'),
  replay: () => rejectClosed('queue.replay'),
  spooled: () => 0,
  close() {},
});
