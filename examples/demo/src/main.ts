#!/usr/bin/env node
/**
 * `pnpm demo`: the outage drill. A private redis-server, the example API twice (ioredis defaults with try/catch,
 * and redis-resilience), the same steady load on both, Redis SIGKILLed mid-run and started again, then a
 * side-by-side report per phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DemoArgs, parseArgs, USAGE } from './args.js';
import { ArmLoad, PHASES, type Phase } from './arm-load.js';
import { FallbackCounter } from './fallback-counter.js';
import { LoadGenerator } from './generator.js';
import { HealthMonitor } from './monitor.js';
import { auditOrders } from './orders-audit.js';
import { Progress } from './progress.js';
import { trackDir, untilInterrupted } from './reaper.js';
import { INSTALL_HINT, type PrivateRedis, redisServerInstalled, sleep, startPrivateRedis } from './redis-server.js';
import { renderReport } from './report.js';
import { type ArmReport, acceptance, type DemoReport } from './report-model.js';
import { writeSamples } from './samples.js';
import { ARM_LABELS, ARMS, type Arm, type RunningService, startService } from './services.js';
import { phaseStats } from './stats.js';

/** Each arm gets its own Redis database, so their keys and `orders` streams never mix. */
const DB: Record<Arm, number> = { resilient: 0, naive: 1 };
/** How long spooled orders get to reach the stream once Redis is back. */
const ORDER_AUDIT_WAIT_MS = 20_000;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  if (!redisServerInstalled()) {
    console.error(INSTALL_HINT);
    process.exitCode = 1;
    return;
  }
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'rr-demo-spool-'));
  trackDir(spoolDir);
  const redis = await startPrivateRedis();
  const services: RunningService[] = [];
  try {
    for (const arm of ARMS) {
      services.push(
        await startService(arm, {
          REDIS_URL: redis.url(DB[arm]),
          SPOOL_PATH: path.join(spoolDir, `${arm}.db`),
          OTEL_SERVICE_NAME: `example-service-${arm}`,
        }),
      );
    }
    const report = await drill(args, redis, services);
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else console.log(`\n${renderReport(report, process.stdout.isTTY === true)}`);
    if (args.keep) await keepUp(redis, services);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await redis.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

async function drill(args: DemoArgs, redis: PrivateRedis, services: readonly RunningService[]): Promise<DemoReport> {
  const loads = services.map((s) => new ArmLoad(s.arm, s.baseUrl, args.clientTimeoutMs));
  const byArm = (arm: Arm) => loads.find((l) => l.arm === arm) as ArmLoad;
  await Promise.all(loads.map((l) => l.warmUp()));

  const started = performance.now();
  const clock = () => (performance.now() - started) / 1000;
  const generator = new LoadGenerator(loads, args.rate);
  const monitor = new HealthMonitor(services, clock, () => generator.phase);
  let phaseStart = 0;
  const progress = new Progress(loads, () => ({
    phase: generator.phase,
    elapsed: clock() - phaseStart,
    length: args.phases[generator.phase],
    breaker: monitor.breakerTimeline().at(-1)?.state ?? '?',
  }));
  const fallbacks = new FallbackCounter(services);
  await fallbacks.snapshot();

  progress.note(
    `Load: ${args.rate} req/s to each service. Phases: ${PHASES.map((p) => `${p} ${args.phases[p]} s`).join(', ')}.`,
  );
  generator.start();
  monitor.start();
  progress.start();

  const events = { redisKilledAt: 0, redisRestartedAt: 0, loadStoppedAt: 0 };
  const transitions: Record<Phase, () => Promise<void>> = {
    before: async () => {},
    outage: async () => {
      await redis.kill();
      events.redisKilledAt = clock();
      progress.note(`${events.redisKilledAt.toFixed(1)} s: redis-server killed (SIGKILL)`);
    },
    after: async () => {
      await redis.start();
      events.redisRestartedAt = clock();
      progress.note(`${events.redisRestartedAt.toFixed(1)} s: redis-server started again`);
    },
  };
  for (const phase of PHASES) {
    await transitions[phase]();
    generator.phase = phase;
    phaseStart = clock();
    await sleep(args.phases[phase] * 1000);
    for (const l of loads) l.endPhase(phase);
    if (phase !== 'after') await fallbacks.snapshot();
  }
  generator.stop();
  events.loadStoppedAt = clock();
  progress.note(`${events.loadStoppedAt.toFixed(1)} s: load stopped; waiting for requests still in flight`);
  await Promise.all(loads.map((l) => l.drain()));
  await fallbacks.snapshot();
  fallbacks.close();
  progress.stop();
  await monitor.stop();

  if (args.samplesFile) writeSamples(args.samplesFile, loads, started);
  progress.note('Reading the orders streams back from Redis');
  const arms = {} as Record<Arm, ArmReport>;
  for (const arm of ARMS) {
    const load = byArm(arm);
    load.close();
    arms[arm] = {
      label: ARM_LABELS[arm],
      settings: services.find((s) => s.arm === arm)?.settings ?? '',
      phases: Object.fromEntries(PHASES.map((p) => [p, phaseStats(load, p)])) as ArmReport['phases'],
      fallbacksServed: fallbacks.perPhase(arm),
      healthProbes: Object.fromEntries(
        PHASES.map((p) => [p, monitor.probes[arm][p] ?? { sent: 0, unanswered: 0 }]),
      ) as ArmReport['healthProbes'],
      orders: await auditOrders(redis.url(DB[arm]), load.orders, ORDER_AUDIT_WAIT_MS),
    };
  }
  const breakerTimeline = monitor.breakerTimeline();
  return {
    settings: { ratePerSecond: args.rate, phasesSeconds: args.phases, clientTimeoutMs: args.clientTimeoutMs },
    events: roundAll(events),
    arms,
    breakerTimeline: breakerTimeline.map((b) => ({ ...b, t: round(b.t) })),
    healthTimeline: monitor.timeline.map((e) => ({ ...e, t: round(e.t) })),
    acceptance: acceptance(arms, breakerTimeline, events.redisRestartedAt),
    durationSeconds: round(clock()),
  };
}

async function keepUp(redis: PrivateRedis, services: readonly RunningService[]): Promise<void> {
  const lines = [
    '',
    'The stack stays up until Ctrl-C:',
    `  redis-server                    redis://127.0.0.1:${redis.port}`,
  ];
  for (const s of services) {
    lines.push(`  ${ARM_LABELS[s.arm].padEnd(32)}${s.baseUrl}/metrics  ${s.baseUrl}/healthz  ${s.baseUrl}/products/1`);
  }
  lines.push(
    '  traces: start Jaeger (examples/compose) and run the demo with OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318',
  );
  console.error(lines.join('\n'));
  await untilInterrupted();
}

const round = (t: number): number => Math.round(t * 10) / 10;
const roundAll = <T extends Record<string, number>>(o: T): T =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;

// An explicit exit: a keep-alive socket left somewhere must not keep a finished drill running.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
