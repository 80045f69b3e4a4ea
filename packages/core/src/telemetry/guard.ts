/**
 * Telemetry can't break a call: every telemetry entry point runs guarded, and a failure goes to `diag`. The guard
 * is written once here and applied to whole prototypes, rather than a try/catch in every method.
 */
import { diag } from '@opentelemetry/api';

export function reportTelemetryError(where: string, err: unknown): void {
  try {
    diag.error(`@redis-resilience/core telemetry: ${where} failed`, err);
  } catch {
    // diag itself is a user-replaceable logger; nothing is left to tell.
  }
}

/**
 * Replace each named method of `proto` with one that catches and reports what it throws (and returns undefined).
 * The wrapper has a fixed arity, so a per-call method allocates no rest array: at most five parameters (an omitted
 * argument arrives as undefined, which default parameters treat as omitted).
 */
export function guardMethods<T extends object>(proto: T, names: readonly (keyof T & string)[], label: string): void {
  for (const name of names) {
    const fn = proto[name] as unknown as (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) => unknown;
    if (fn.length > 5) throw new Error(`guardMethods: ${label}.${name} takes more than 5 parameters`);
    Object.defineProperty(proto, name, {
      value: function guarded(this: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) {
        try {
          return fn.call(this, a, b, c, d, e);
        } catch (err) {
          reportTelemetryError(`${label}.${name}`, err);
          return undefined;
        }
      },
      writable: true,
      configurable: true,
    });
  }
}
