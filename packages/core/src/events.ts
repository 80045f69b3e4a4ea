/**
 * `rr.events`: typed events for the decisions an app may want to act on, in cockatiel's style. Cheap when nobody
 * listens (the caller asks `listening(name)` before it builds the payload), and a listener that throws is reported
 * to `diag`, never to the Redis call that raised the event.
 */
import { diag } from '@opentelemetry/api';
import type { BreakerStateName, TransitionCause } from './breaker/state.js';
import type { ErrorType } from './errors/types.js';
import type { FallbackType } from './instrumentation.js';

export interface ResilienceEventMap {
  /** A breaker changed state; `node` is `default` or a cluster master's `host:port`. */
  breakerStateChange: { node: string; from: BreakerStateName; to: BreakerStateName; cause: TransitionCause };
  /** An attempt failed and another follows after `delayMs`. */
  retry: { operation: string; attempt: number; delayMs: number; errorType: ErrorType };
  /** The breaker refused a call without trying Redis. */
  rejected: { operation: string; node: string; state: 'open' | 'half_open' };
  /** A fallback answered (served) or could not (served: false) for a call Redis could not serve. */
  fallback: { operation: string; type: FallbackType; reason: string; served: boolean };
}

export type ResilienceEventName = keyof ResilienceEventMap;
export type ResilienceListener<K extends ResilienceEventName> = (event: Readonly<ResilienceEventMap[K]>) => void;

export interface ResilienceEvents {
  /** Listen to `event`; returns a function that stops listening. */
  on<K extends ResilienceEventName>(event: K, listener: ResilienceListener<K>): () => void;
  off<K extends ResilienceEventName>(event: K, listener: ResilienceListener<K>): void;
}

const NAMES: ReadonlySet<string> = new Set<ResilienceEventName>([
  'breakerStateChange',
  'retry',
  'rejected',
  'fallback',
]);

export class EventHub implements ResilienceEvents {
  private readonly listeners: { [K in ResilienceEventName]?: ResilienceListener<K>[] } = {};

  on<K extends ResilienceEventName>(event: K, listener: ResilienceListener<K>): () => void {
    if (!NAMES.has(event)) throw new TypeError(`rr.events: unknown event '${String(event)}'`);
    if (typeof listener !== 'function') throw new TypeError('rr.events: listener must be a function');
    const list = (this.listeners[event] ?? []) as ResilienceListener<K>[];
    list.push(listener);
    (this.listeners as Record<string, unknown>)[event] = list;
    return () => this.off(event, listener);
  }

  off<K extends ResilienceEventName>(event: K, listener: ResilienceListener<K>): void {
    const list = this.listeners[event] as ResilienceListener<K>[] | undefined;
    if (!list) return;
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) delete this.listeners[event];
  }

  listening(event: ResilienceEventName): boolean {
    return this.listeners[event] !== undefined;
  }

  emit<K extends ResilienceEventName>(event: K, data: ResilienceEventMap[K]): void {
    const list = this.listeners[event] as ResilienceListener<K>[] | undefined;
    if (!list) return;
    for (const listener of [...list]) {
      try {
        listener(data);
      } catch (err) {
        diag.error(`@redis-resilience/core: an rr.events '${event}' listener threw`, err);
      }
    }
  }
}
