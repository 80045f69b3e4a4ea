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

/** How many SETs `populate` has in flight: the rounds' own concurrency, not the whole key set at once. */
const POPULATE_IN_FLIGHT = 100;

/**
 * SETs every key once, so that every GET of the rounds finds a 64-byte value. Not as one 1000-wide burst: a scavenge
 * that falls inside such a burst can make V8 pretenure ioredis's per-command queue entry for the rest of the process,
 * and every arm then runs 20–30 % slower in some processes and not in others (docs/benchmarks.md, "A burst that
 * slows ioredis for good"; `pnpm --filter @redis-resilience/bench run burst` shows it).
 */
export async function populate(client: Client): Promise<void> {
  for (let i = 0; i < KEYS.length; i += POPULATE_IN_FLIGHT) {
    await Promise.all(KEYS.slice(i, i + POPULATE_IN_FLIGHT).map((key) => client.set(key, VALUE)));
  }
}

/** The same SETs as one burst, all in flight at once, with two scavenges while they are: what `burst.ts` measures. */
export async function populateInOneBurst(client: Client, scavenge: () => void): Promise<void> {
  const pending = KEYS.map((key) => client.set(key, VALUE));
  scavenge();
  scavenge();
  await Promise.all(pending);
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
