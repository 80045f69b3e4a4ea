#!/usr/bin/env node
/**
 * `pnpm bench`: throughput and CPU per operation of redis-resilience against raw ioredis and the alternatives, in
 * one process against one private redis-server; then instrumentation-ioredis in a process of its own against the
 * same server; open-breaker latency and RSS through an outage first.
 */
import os from 'node:os';
import { parseArgs } from './args.js';
import { createArms } from './arms.js';
import { checkGoals } from './goals.js';
import { measureOutage } from './outage.js';
import { measureOwnProcess } from './own-process.js';
import { redisServerVersion, startPrivateRedis } from './redis-server.js';
import { render } from './render.js';
import type { BenchResults } from './results.js';
import { measureThroughput } from './throughput.js';
import { setUpTracing } from './tracing.js';
import { packageVersions } from './versions.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadStart = os.loadavg();
  // Tracing first: instrumentation-ioredis patches through a require hook, so ioredis must not be loaded before it,
  // and the package (which imports ioredis) is imported only afterwards.
  const tracing = setUpTracing();
  const core = await import('@redis-resilience/core');

  // The outage first, in a fresh process: a leak shows best against a small baseline.
  const outageRedis = await startPrivateRedis();
  log(
    `outage: ${args.failFastCalls} calls with the breaker open, then ${args.outageSeconds} s at ${args.outageRate} calls/s`,
  );
  const outage = await measureOutage(core, outageRedis, {
    failFastCalls: args.failFastCalls,
    warmUpSeconds: args.outageWarmUpSeconds,
    seconds: args.outageSeconds,
    ratePerSecond: args.outageRate,
    onSample: (t, rss) => {
      if (t % 10 === 0) log(`  ${t} s: RSS ${rss.toFixed(1)} MB`);
    },
  });
  await outageRedis.stop();
  const redis = await startPrivateRedis();
  const arms = await createArms(redis.url, tracing, core);
  log(`throughput: ${arms.length} arms, ${args.rounds} rounds of ${args.roundMs} ms each (plus a warm-up round)`);
  const throughput = await measureThroughput(arms, tracing, {
    rounds: args.rounds,
    roundMs: args.roundMs,
    concurrency: args.concurrency,
    onRound: (round, arm, r) =>
      log(`  round ${round} ${arm.label.padEnd(38)} ${Math.round(r.opsPerSecond).toLocaleString('en-US')} ops/s`),
  });
  await Promise.all(arms.map((a) => a.close()));
  // After the in-process rounds, not beside them: on a 2-core machine it would compete with them for the CPU.
  log(`instrumentation-ioredis in its own process: ${args.rounds} rounds, disabled and enabled alternating`);
  throughput.push(
    await measureOwnProcess({
      url: redis.url,
      rounds: args.rounds,
      roundMs: args.roundMs,
      concurrency: args.concurrency,
      onRound: (round, disabled, enabled) =>
        log(
          `  round ${round} ${'own process: disabled / enabled'.padEnd(38)} ` +
            `${Math.round(disabled.opsPerSecond).toLocaleString('en-US')} / ` +
            `${Math.round(enabled.opsPerSecond).toLocaleString('en-US')} ops/s`,
        ),
    }),
  );
  await redis.stop();

  await tracing.shutdown();

  const results: BenchResults = {
    machine: {
      node: process.versions.node,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      loadStart,
      loadEnd: os.loadavg(),
      redisServer: redisServerVersion(),
      packages: packageVersions(),
    },
    settings: args,
    throughput,
    outage,
    goals: checkGoals(throughput, outage),
  };
  if (args.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`\n${render(results)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
