#!/usr/bin/env node
/**
 * One arm of the bench (the fully traced one by default), alone, for a few seconds: the process `pnpm run profile`
 * starts under `node --cpu-prof`. After a warm-up it writes the measured window (process.hrtime, µs, the clock the
 * profile's timestamps use) and the operations done in it to `<out>/window.json`, for profile-breakdown.ts.
 *
 *   node --cpu-prof --cpu-prof-dir DIR dist/profile-run.js --out DIR [--arm rr-traced] [--seconds 5] [--concurrency 100]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Arm, createArms, type InProcessArmId, inArmContext } from './arms.js';
import { startPrivateRedis } from './redis-server.js';
import { setUpTracing } from './tracing.js';
import { populate, runRound } from './workload.js';

export interface ProfileWindow {
  arm: InProcessArmId;
  label: string;
  concurrency: number;
  /** process.hrtime in µs at the start and end of the measured run. */
  startMicros: number;
  endMicros: number;
  ops: number;
  /** process.cpuUsage (all threads: GC helpers included) per operation over the window. */
  cpuMicrosPerOp: number;
  spansPerOp: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const hrMicros = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const id = option('--arm', 'rr-traced') as InProcessArmId;
  const seconds = Number(option('--seconds', '5'));
  const concurrency = Number(option('--concurrency', '100'));
  const out = option('--out', '.tmp/profile');
  const tracing = setUpTracing();
  const core = await import('@redis-resilience/core');
  const redis = await startPrivateRedis();
  const all = await createArms(redis.url, tracing, core);
  const arm = all.find((a) => a.id === id);
  if (!arm) throw new Error(`unknown arm ${id}: one of ${all.map((a) => a.id).join(', ')}`);
  // Only the profiled arm stays open: the others' timers would be noise in the profile.
  await Promise.all(all.filter((a) => a !== arm).map((a) => a.close()));
  await populate(arm.client);

  const run = async (a: Arm, ms: number) => {
    a.enter();
    const result = await inArmContext(a, () => runRound(a.client, concurrency, ms));
    a.leave();
    return result;
  };
  await run(arm, 1000); // JIT warm-up, outside the window
  await tracing.flush();
  const spansBefore = tracing.exporter.spans;
  const startMicros = hrMicros();
  const result = await run(arm, seconds * 1000);
  const endMicros = hrMicros();
  await tracing.flush();
  const window: ProfileWindow = {
    arm: arm.id,
    label: arm.label,
    concurrency,
    startMicros,
    endMicros,
    ops: result.ops,
    cpuMicrosPerOp: result.cpuMicrosPerOp,
    spansPerOp: (tracing.exporter.spans - spansBefore) / result.ops,
  };
  writeFileSync(path.join(out, 'window.json'), `${JSON.stringify(window, null, 2)}\n`);
  await arm.close();
  await redis.stop();
  await tracing.shutdown();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
