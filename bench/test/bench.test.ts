/**
 * Smoke test: `pnpm bench --quick --json` completes and reports every arm, the outage figures and the goals.
 * No timing is asserted (CI machines are noisy); what is asserted is that each arm measured what it claims to:
 * traced arms produced a span per call and untraced ones none.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runNode } from '@redis-resilience/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
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
      'rr-traced',
      'rr-otel',
    ]);
    for (const arm of results.throughput) {
      expect(arm.opsPerSecond, arm.id).toBeGreaterThan(0);
      expect(arm.cpuMicrosPerOp, arm.id).toBeGreaterThan(0);
      expect(Number.isFinite(arm.throughputRatio), arm.id).toBe(true);
    }
    expect(results.throughput[0]?.throughputRatio).toBe(1);
  });

  it('traces every call in the traced arms and none in the others; beside instrumentation-ioredis, once', () => {
    for (const arm of results.throughput) expect(arm.valid, `${arm.id}: ${arm.spansPerOp} spans/op`).toBe(true);
    const both = results.throughput.find((a) => a.id === 'rr-otel');
    expect(both?.spansPerOp).toBeGreaterThanOrEqual(0.99);
    expect(both?.spansPerOp).toBeLessThanOrEqual(1.01);
  });

  it('times calls with the breaker open and samples RSS through the outage', () => {
    expect(results.outage.failFast.calls).toBeGreaterThan(0);
    expect(results.outage.failFast.circuitOpen).toBeGreaterThan(0);
    expect(results.outage.memory.samples.length).toBe(results.outage.memory.seconds + 1);
  });

  it('checks every goal of the issue', () => {
    expect(results.goals.map((g) => g.name)).toHaveLength(5);
    expect(results.machine.loadStart).toHaveLength(3);
  });
});
