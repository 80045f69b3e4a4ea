/**
 * ioredis's events, re-emitted on a guarded client with ioredis's names and arguments. A relay emits only to
 * listeners that exist: an `error` with nobody listening is dropped (the connection's own listener has already
 * recorded it), never thrown and never printed. Commands do not pass through here, so it costs them nothing.
 */
import type { EventEmitter } from 'node:events';

/** A connection's lifecycle, as ioredis's Redis and Cluster emit it. */
export const LIFECYCLE_EVENTS = [
  'connect',
  'ready',
  'error',
  'close',
  'reconnecting',
  'end',
  'wait',
  'select',
  '+node',
  '-node',
  'node error',
] as const;

/** Pub/sub deliveries. */
export const PUBSUB_EVENTS = [
  'message',
  'messageBuffer',
  'pmessage',
  'pmessageBuffer',
  'smessage',
  'smessageBuffer',
] as const;

/** Re-emit `names` from `source` on `target`; returns the function that stops it. */
export function relayEvents(source: EventEmitter, target: EventEmitter, names: readonly string[]): () => void {
  const attached = names.map((name) => {
    const forward = (...args: unknown[]) => {
      if (target.listenerCount(name) > 0) target.emit(name, ...args);
    };
    source.on(name, forward);
    return [name, forward] as const;
  });
  return () => {
    for (const [name, forward] of attached) source.removeListener(name, forward);
  };
}
