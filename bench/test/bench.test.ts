/**
 * Smoke test: `pnpm bench --quick --json` completes and reports every arm, the outage figures and the goals.
 * No timing is asserted (CI machines are noisy); what is asserted is that each arm measured what it claims to:
 * traced arms produced a span per call, untraced ones (the unsampled arm included) none, and instrumentation-ioredis
 * ran in its own process too.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runNode } from '@redis-resilience/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { sameRoundRatio } from '../src/goals.js';
import type { BenchResults } from '../src/results.js';

const root = path.resolve(import.meta.dirname, '..');

describe('pnpm bench --quick', () => {
  let results: BenchResults;

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    const run = await runNode(path.join(root, 'dist/main.js'), { args: ['--quick', '--json'], timeoutMs: 100_000 });
    expect(run.code, run.stderr).toBe(0);
    results = JSON.parse(run.stdout) as BenchResults;
  });

  it('reports every arm with a throughput, a CPU cost and ratios to raw ioredis', () => {
    expect(results.throughput.map((a) => a.id)).toEqual([
      'raw',
      'otel',
      'opossum',
      'cockatiel',
      'rr-metrics',
      'rr-metrics-direct',
      'rr-traced',
      'rr-unsampled',
      'rr-otel',
      'otel-own-process',
    ]);
    for (const arm of results.throughput) {
      expect(arm.opsPerSecond, arm.id).toBeGreaterThan(0);
      expect(arm.cpuMicrosPerOp, arm.id).toBeGreaterThan(0);
      expect(Number.isFinite(arm.throughputRatio), arm.id).toBe(true);
      expect(arm.roundRatios, arm.id).toHaveLength(results.settings.rounds);
    }
    expect(results.throughput[0]?.throughputRatio).toBe(1);
  });

  it('traces every call in the traced arms and none in the others; beside instrumentation-ioredis, once', () => {
    for (const arm of results.throughput) expect(arm.valid, `${arm.id}: ${arm.spansPerOp} spans/op`).toBe(true);
    const both = results.throughput.find((a) => a.id === 'rr-otel');
    expect(both?.spansPerOp).toBeGreaterThanOrEqual(0.99);
    expect(both?.spansPerOp).toBeLessThanOrEqual(1.01);
  });

  it('exports no span from calls under a parent the sampler dropped, with the SDK registered', () => {
    const unsampled = results.throughput.find((a) => a.id === 'rr-unsampled');
    expect(unsampled?.spansPerOp).toBe(0);
    expect(unsampled?.valid).toBe(true);
  });

  it('runs instrumentation-ioredis in its own process, against its own raw baseline', () => {
    const own = results.throughput.find((a) => a.id === 'otel-own-process');
    expect(own?.valid).toBe(true);
    expect(own?.spansPerOp).toBeGreaterThanOrEqual(0.99);
    expect(own?.baselineOpsPerSecond).toBeGreaterThan(0);
    expect(own?.roundRatios).toHaveLength(results.settings.rounds);
  });

  it('times calls with the breaker open and samples RSS through the outage', () => {
    expect(results.outage.failFast.calls).toBeGreaterThan(0);
    expect(results.outage.failFast.circuitOpen).toBeGreaterThan(0);
    expect(results.outage.memory.samples.length).toBe(results.outage.memory.seconds + 1);
  });

  it('checks every goal of issue #17 against the figures this run measured', () => {
    const arm = (id: string) => results.throughput.find((a) => a.id === id);
    const { failFast, memory } = results.outage;
    const metrics = arm('rr-metrics')?.throughputRatio ?? Number.NaN;
    const traced = arm('rr-traced')?.throughputRatio ?? Number.NaN;
    const own = arm('otel-own-process')?.throughputRatio ?? Number.NaN;
    const unsampled = sameRoundRatio(arm('rr-unsampled'), arm('rr-metrics'));
    const figures = [metrics, traced, own, unsampled, failFast.p99Micros, memory.rssLateSlopeMBPerMin];
    for (const figure of figures) expect(Number.isFinite(figure), String(figures)).toBe(true);
    expect(results.goals.map(({ name, target, actual }) => ({ name, target, actual }))).toEqual([
      { name: 'metrics only vs raw ioredis', target: '≥ 0.92×', actual: `${metrics.toFixed(3)}×` },
      {
        name: 'fully traced vs instrumentation-ioredis',
        target: '≥ 1.10× (own process)',
        actual: `${(traced / own).toFixed(3)}× (${traced.toFixed(3)} ÷ ${own.toFixed(3)})`,
      },
      { name: 'unsampled traced vs metrics only', target: '≥ 0.97×', actual: `${unsampled.toFixed(3)}×` },
      { name: 'open-breaker fail-fast p99', target: '≤ 25 µs', actual: `${failFast.p99Micros.toFixed(1)} µs` },
      {
        name: `RSS through a ${memory.seconds} s outage`,
        target: 'flat (≤ 1 MB/min)',
        actual: `${memory.rssLateSlopeMBPerMin.toFixed(2)} MB/min over its second half`,
      },
    ]);
    for (const goal of results.goals) expect(typeof goal.met, goal.name).toBe('boolean');
    expect(results.machine.loadStart).toHaveLength(3);
    for (const load of results.machine.loadStart) expect(Number.isFinite(load)).toBe(true);
  });
});
