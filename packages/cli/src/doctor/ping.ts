/** PING round trips on the doctor's connection: count, p50, p99. */
import { type DoctorOptions, formatMs, round } from './context.js';
import { failed } from './explain.js';
import { commandTimeoutMs } from './lint.js';
import type { Caller } from './session.js';
import type { CheckResult } from './types.js';

/** Above this p99 a local or same-zone Redis is in trouble (or far away). */
export const PING_WARN_MS = 50;

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export async function checkPing(o: DoctorOptions, client: Caller, redact: (s: string) => string): Promise<CheckResult> {
  const samples: number[] = [];
  for (let i = 0; i < o.pings; i++) {
    const start = performance.now();
    try {
      await client.call('PING');
    } catch (err) {
      const r = failed('ping', err, 'redis', { ...o.target, timeoutMs: o.timeoutMs }, redact);
      r.detail = `PING ${i + 1} of ${o.pings} failed: ${r.detail}`;
      return r;
    }
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  const max = samples[samples.length - 1]!;
  const data = { count: samples.length, p50Ms: round(p50), p99Ms: round(p99), maxMs: round(max) };
  const value = `p50 ${formatMs(p50)}, p99 ${formatMs(p99)} (${samples.length} pings)`;
  const commandMs = o.config ? commandTimeoutMs(o.config) : undefined;
  if (commandMs !== undefined && p99 >= commandMs / 2) {
    return {
      id: 'ping',
      status: 'warn',
      value,
      detail: `p99 is at least half of the configured command timeout (${commandMs} ms): ordinary latency will trip it`,
      fix: 'raise timeouts.commandMs, or move the client closer to Redis',
      data,
    };
  }
  if (p99 > PING_WARN_MS) {
    return {
      id: 'ping',
      status: 'warn',
      value,
      detail: `p99 above ${PING_WARN_MS} ms: a distant server, a congested network, or a busy server`,
      fix: 'compare with `redis-cli --latency` on the server host; check network path, CPU and SLOWLOG',
      data,
    };
  }
  return { id: 'ping', status: 'pass', value, data };
}
