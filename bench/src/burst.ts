#!/usr/bin/env node
/**
 * `pnpm --filter @redis-resilience/bench run burst`: how one burst of concurrent calls can slow ioredis for the rest
 * of a process. ioredis queues each sent command as an object literal (`commandQueue.push({ command, stream, select
 * })`); when a scavenge finds nearly all of the last hundreds of those alive, as in a 1000-wide `Promise.all`, V8
 * pretenures that allocation site: from then on every entry is made in the old generation, and each one keeps its
 * command, promise and reply alive through scavenges until the next full GC. Raw ioredis and redis-resilience are
 * each measured calm (the keys SET 100 at a time) and after such a burst, each in a fresh process.
 *
 *   node dist/burst.js                        (the table)
 *   node --expose-gc dist/burst.js raw|rr calm|burst   (one measurement, as JSON)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { init } from '@redis-resilience/core';
import { Redis } from 'ioredis';
import { startPrivateRedis } from './redis-server.js';
import { type Client, populate, populateInOneBurst, runRound } from './workload.js';

type Arm = 'raw' | 'rr';
type Mode = 'calm' | 'burst';
const ROUND_MS = 3000;

async function measure(arm: Arm, mode: Mode): Promise<number> {
  const gc = (globalThis as { gc?: (o: { type: 'minor' }) => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const redis = await startPrivateRedis();
  let client: Client;
  let close: () => Promise<void>;
  if (arm === 'raw') {
    const c = new Redis(redis.url);
    client = { get: (k) => c.get(k), set: (k, v) => c.set(k, v) };
    close = async () => c.disconnect();
  } else {
    const rr = init({ redis: redis.url, serviceName: 'bench-burst', tracing: false });
    client = rr.client;
    close = () => rr.close();
  }
  try {
    await client.set('warm', 'up');
    // Three bursts: one is usually enough, three make it certain.
    if (mode === 'burst') for (let i = 0; i < 3; i++) await populateInOneBurst(client, () => gc({ type: 'minor' }));
    else await populate(client);
    await runRound(client, 100, 1000);
    return (await runRound(client, 100, ROUND_MS)).cpuMicrosPerOp;
  } finally {
    await close();
    await redis.stop();
  }
}

function table(): void {
  const self = fileURLToPath(import.meta.url);
  console.log('CPU µs per GET at 100 in flight, each in a fresh process (median of 3):');
  for (const arm of ['raw', 'rr'] as const) {
    const cells = (['calm', 'burst'] as const).map((mode) => {
      const runs = [0, 1, 2].map(() => {
        const out = spawnSync(process.execPath, ['--expose-gc', self, arm, mode], { encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`burst ${arm} ${mode} failed:\n${out.stderr}`);
        return Number(out.stdout.trim());
      });
      return runs.sort((a, b) => a - b)[1] as number;
    });
    const [calm, burst] = cells as [number, number];
    const label = arm === 'raw' ? 'raw ioredis' : 'redis-resilience, metrics only';
    console.log(
      `  ${label.padEnd(32)} calm ${calm.toFixed(2)}  after a burst ${burst.toFixed(2)}  (×${(burst / calm).toFixed(2)})`,
    );
  }
}

const [arm, mode] = process.argv.slice(2);
if (arm === undefined) table();
else if ((arm === 'raw' || arm === 'rr') && (mode === 'calm' || mode === 'burst'))
  console.log(await measure(arm, mode));
else throw new Error('usage: node dist/burst.js [raw|rr calm|burst]');
