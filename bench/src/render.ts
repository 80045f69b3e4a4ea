/** The bench's text output: a table of ratios, the outage figures, the goals. */
import type { Goal } from './goals.js';
import type { BenchResults } from './results.js';

export function render(r: BenchResults): string {
  const m = r.machine;
  const s = r.settings;
  const lines = [
    `redis-resilience bench · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · load average ${fmtLoad(m.loadStart)} at start, ${fmtLoad(m.loadEnd)} at end`,
    `redis-server ${m.redisServer}; ${Object.entries(m.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    `Throughput: SET and GET alternating, ${s.concurrency} in flight, ${s.rounds} interleaved rounds of ${s.roundMs} ms per arm (medians)`,
    '',
    `  ${'arm'.padEnd(38)}${'ops/s'.padStart(10)}${'× raw'.padStart(9)}${'CPU µs/op'.padStart(12)}${'× raw'.padStart(9)}${'spans/op'.padStart(11)}`,
  ];
  for (const a of r.throughput) {
    lines.push(
      `  ${a.label.padEnd(38)}${Math.round(a.opsPerSecond).toLocaleString('en-US').padStart(10)}` +
        `${a.throughputRatio.toFixed(2).padStart(9)}${a.cpuMicrosPerOp.toFixed(1).padStart(12)}` +
        `${a.cpuRatio.toFixed(2).padStart(9)}${a.spansPerOp.toFixed(2).padStart(11)}${a.valid ? '' : '  INVALID: no spans'}`,
    );
  }
  const f = r.outage.failFast;
  const mem = r.outage.memory;
  lines.push(
    '',
    `Open breaker: ${f.calls.toLocaleString('en-US')} GETs with Redis killed: p50 ${f.p50Micros.toFixed(1)} µs, ` +
      `p99 ${f.p99Micros.toFixed(1)} µs, max ${f.maxMicros.toFixed(1)} µs (${f.circuitOpen} rejected by the breaker)`,
    `Outage memory: ${mem.seconds} s at ${mem.ratePerSecond} calls/s after ${mem.warmUpSeconds} s of warm-up ` +
      `(${mem.calls.toLocaleString('en-US')} calls in all): ` +
      `RSS ${mem.rssStartMB.toFixed(1)} → ${mem.rssEndMB.toFixed(1)} MB, max ${mem.rssMaxMB.toFixed(1)} MB, ` +
      `slope ${mem.rssSlopeMBPerMin.toFixed(2)} MB/min (heap ${mem.heapSlopeMBPerMin.toFixed(2)} MB/min)`,
    '',
    'Goals',
    ...r.goals.map(renderGoal),
  );
  if (s.quick) lines.push('', '(--quick: a smoke run; the numbers are not meaningful)');
  return lines.join('\n');
}

function renderGoal(g: Goal): string {
  return `  ${g.met ? 'met    ' : 'MISSED '} ${g.name.padEnd(42)} ${g.target.padEnd(24)} ${g.actual}`;
}

const fmtLoad = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
