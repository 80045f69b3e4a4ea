#!/usr/bin/env node
/**
 * instrumentation-ioredis in a process of its own (issue #17's method): only raw ioredis, the instrumentation and the
 * bench's span pipeline are loaded. Rounds alternate the instrumentation disabled (its own raw baseline) and enabled,
 * in an order swapped every round; each round's ratio enabled ÷ disabled is reported as JSON on stdout.
 *
 *   node dist/instr-child.js --url redis://127.0.0.1:PORT --rounds N --round-ms MS --concurrency N
 */
import { setUpTracing } from './tracing.js';
import { populate, type RoundResult, runRound } from './workload.js';

export interface ChildRound {
  disabled: RoundResult;
  enabled: RoundResult;
  /** Spans exported during the enabled round, and during the disabled one (must be 0). */
  enabledSpans: number;
  disabledSpans: number;
}

export interface ChildResults {
  node: string;
  pid: number;
  rounds: ChildRound[];
}

function option(name: string): string {
  const i = process.argv.indexOf(name);
  const value = i < 0 ? undefined : process.argv[i + 1];
  if (value === undefined) throw new Error(`instr-child: ${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const url = option('--url');
  const rounds = Number(option('--rounds'));
  const roundMs = Number(option('--round-ms'));
  const concurrency = Number(option('--concurrency'));
  // Before ioredis is loaded: the instrumentation patches it through a require hook.
  const tracing = setUpTracing();
  const redis = new tracing.ioredis.Redis(url);
  await redis.ping();
  const client = { get: (k: string) => redis.get(k), set: (k: string, v: string) => redis.set(k, v) };
  await populate(client);

  const timed = async (enabled: boolean, ms: number) => {
    await tracing.flush();
    const before = tracing.exporter.spans;
    tracing.setInstrumentation(enabled);
    const result = await runRound(client, concurrency, ms);
    tracing.setInstrumentation(false);
    await tracing.flush();
    return { result, spans: tracing.exporter.spans - before };
  };

  const results: ChildRound[] = [];
  // Round 0 warms up the JIT and the connection and is not counted.
  for (let round = 0; round <= rounds; round++) {
    const ms = round === 0 ? Math.min(roundMs, 500) : roundMs;
    const enabledFirst = round % 2 === 1;
    const first = await timed(enabledFirst, ms);
    const second = await timed(!enabledFirst, ms);
    if (round === 0) continue;
    const [enabled, disabled] = enabledFirst ? [first, second] : [second, first];
    results.push({
      disabled: disabled.result,
      enabled: enabled.result,
      enabledSpans: enabled.spans,
      disabledSpans: disabled.spans,
    });
  }
  redis.disconnect();
  await tracing.shutdown();
  const out: ChildResults = { node: process.versions.node, pid: process.pid, rounds: results };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
