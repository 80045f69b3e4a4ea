/**
 * One timed round: `concurrency` workers, each issuing GETs over a fixed, pre-populated key set, until the time is up
 * (issue #17's workload). Wall time gives throughput; process.cpuUsage gives the CPU this process spent per operation
 * (redis-server runs in its own process and is not counted).
 */

export interface Client {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const VALUE = 'v'.repeat(64);

export interface RoundResult {
  ops: number;
  opsPerSecond: number;
  cpuMicrosPerOp: number;
}

/** SETs every key once, so that every GET of the rounds finds a 64-byte value. */
export async function populate(client: Client): Promise<void> {
  await Promise.all(KEYS.map((key) => client.set(key, VALUE)));
}

export async function runRound(client: Client, concurrency: number, durationMs: number): Promise<RoundResult> {
  let ops = 0;
  const started = performance.now();
  const end = started + durationMs;
  const cpu = process.cpuUsage();
  const worker = async (w: number) => {
    for (let i = w; performance.now() < end; i += concurrency) {
      await client.get(KEYS[i % KEYS.length] as string);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ops, opsPerSecond: (ops / wallMs) * 1000, cpuMicrosPerOp: (used.user + used.system) / ops };
}
