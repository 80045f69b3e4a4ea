import type { LoadedConfig } from '../config-file.js';
import type { ConnectionTarget } from '../target.js';

export interface DoctorOptions {
  target: ConnectionTarget;
  /** Bound on every network step (DNS, connect, each command). */
  timeoutMs: number;
  pings: number;
  config?: LoadedConfig;
}

/** The client name the doctor sets, so its own commands can be left out of SLOWLOG. */
export const DOCTOR_CLIENT_NAME = 'redis-resilience-doctor';

/** Times an async step in milliseconds with sub-millisecond resolution. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

/** `0.21 ms`, `12.3 ms`, `1520 ms`: enough digits to compare, no false precision. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

export function round(ms: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}
