/**
 * Our own Redis traffic (the PING watchdog, breaker probes, SLOWLOG polls) runs with tracing suppressed: it is not a
 * round trip of the app's, so a driver instrumentation (instrumentation-ioredis) must not trace it inside the
 * app's request span either. Spans of ours are made with explicit parents, so the key never hides them.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { context } from '@opentelemetry/api';

/** What `@opentelemetry/core`'s suppressTracing() sets; the API's context keys are global symbols. */
export const SUPPRESS_TRACING_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** `fn`, run with tracing suppressed whenever it is called. */
export function untraced<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), fn, undefined, ...args);
}

/** ioredis 6 publishes every command here; a driver instrumentation may subscribe instead of patching. */
const commandChannel = tracingChannel('ioredis:command');

/**
 * Whether a driver instrumentation would trace a command sent on `client` now: instrumentation-ioredis wraps
 * `sendCommand` with shimmer (the wrapper is marked `__wrapped`), and newer ones subscribe to ioredis's tracing
 * channel. Only then does an attempt need the suppressing context, which costs a `context.with` per attempt.
 */
export function driverTraced(client: unknown): boolean {
  const send = (client as { sendCommand?: { __wrapped?: unknown } } | null)?.sendCommand;
  return send?.__wrapped === true || commandChannel.hasSubscribers;
}
