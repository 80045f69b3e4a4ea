/**
 * One timed round: `concurrency` workers, each alternating SET and GET over a fixed key set, until the time is up.
 * Wall time gives throughput; process.cpuUsage gives the CPU this process spent per operation (redis-server runs
 * in its own process and is not counted).
 */
import type { Client } from './arms.js';

const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const VALUE = 'v'.repeat(64);

export interface RoundResult {
  ops: number;
  opsPerSecond: number;
  cpuMicrosPerOp: number;
}

export async function runRound(client: Client, concurrency: number, durationMs: number): Promise<RoundResult> {
  let ops = 0;
  const started = performance.now();
  const end = started + durationMs;
  const cpu = process.cpuUsage();
  const worker = async (w: number) => {
    for (let i = w; performance.now() < end; i++) {
      const key = KEYS[i % KEYS.length] as string;
      if (i % 2 === 0) await client.set(key, VALUE);
      else await client.get(key);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ops, opsPerSecond: (ops / wallMs) * 1000, cpuMicrosPerOp: (used.user + used.system) / ops };
}
