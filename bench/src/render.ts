/** The bench's text output: a table of ratios, the outage figures, the goals. */
import { type Goal, sameRoundRatio } from './goals.js';
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
    `Throughput: GET of pre-populated keys, ${s.concurrency} in flight, ${s.rounds} interleaved rounds of ${s.roundMs} ms per arm (medians)`,
    '',
    `  ${'arm'.padEnd(53)}${'ops/s'.padStart(10)}${'× raw'.padStart(9)}${'CPU µs/op'.padStart(12)}${'× raw'.padStart(9)}${'spans/op'.padStart(11)}`,
  ];
  for (const a of r.throughput) {
    const own = a.id === 'otel-own-process';
    lines.push(
      `  ${(own ? `${a.label} *` : a.label).padEnd(53)}${Math.round(a.opsPerSecond).toLocaleString('en-US').padStart(10)}` +
        `${a.throughputRatio.toFixed(2).padStart(9)}${a.cpuMicrosPerOp.toFixed(1).padStart(12)}` +
        `${a.cpuRatio.toFixed(2).padStart(9)}${a.spansPerOp.toFixed(2).padStart(11)}` +
        (a.valid ? '' : `  INVALID: ${a.spansPerOp.toFixed(3)} spans/op`),
    );
  }
  lines.push('', ...reconcile(r));
  const f = r.outage.failFast;
  const mem = r.outage.memory;
  lines.push(
    '',
    `Open breaker: ${f.calls.toLocaleString('en-US')} GETs with Redis killed: p50 ${f.p50Micros.toFixed(1)} µs, ` +
      `p99 ${f.p99Micros.toFixed(1)} µs, max ${f.maxMicros.toFixed(1)} µs (${f.circuitOpen} rejected by the breaker)`,
    `Outage memory: ${mem.seconds} s at ${mem.ratePerSecond} calls/s after ${mem.warmUpSeconds} s of warm-up ` +
      `(${mem.calls.toLocaleString('en-US')} calls in all): ` +
      `RSS ${mem.rssStartMB.toFixed(1)} → ${mem.rssEndMB.toFixed(1)} MB, max ${mem.rssMaxMB.toFixed(1)} MB, ` +
      `slope ${mem.rssSlopeMBPerMin.toFixed(2)} MB/min, ${mem.rssLateSlopeMBPerMin.toFixed(2)} MB/min over the second ` +
      `half (heap ${mem.heapSlopeMBPerMin.toFixed(2)} MB/min)`,
    '',
    'Goals',
    ...r.goals.map(renderGoal),
  );
  if (s.quick) lines.push('', '(--quick: a smoke run; the numbers are not meaningful)');
  return lines.join('\n');
}

function renderGoal(g: Goal): string {
  return `  ${g.met ? 'met    ' : 'MISSED '} ${g.name.padEnd(42)} ${g.target.padEnd(26)} ${g.actual}`;
}

/** The two instrumentation-ioredis set-ups side by side, and what differs between them. */
function reconcile(r: BenchResults): string[] {
  const arm = (id: string) => r.throughput.find((a) => a.id === id);
  const inProcess = arm('otel');
  const own = arm('otel-own-process');
  const traced = arm('rr-traced');
  const raw = arm('raw');
  if (!inProcess || !own || !traced || !raw) return [];
  const ops = (n: number | undefined) => Math.round(n ?? Number.NaN).toLocaleString('en-US');
  return [
    `  * ratios to its own raw baseline: the same child process with the instrumentation disabled, in the same round ` +
      `(${ops(own.baselineOpsPerSecond)} ops/s there; the bench's raw ioredis: ${ops(raw.opsPerSecond)} ops/s).`,
    `  instrumentation-ioredis: ${inProcess.throughputRatio.toFixed(2)}× raw in the bench's process, ` +
      `${own.throughputRatio.toFixed(2)}× raw in its own. Fully traced ÷ instrumentation-ioredis: ` +
      `${sameRoundRatio(traced, inProcess).toFixed(2)}× in process (same rounds), ` +
      `${(traced.throughputRatio / own.throughputRatio).toFixed(2)}× against its own process.`,
    '  The set-ups differ only in what shares the process: in process, instrumentation-ioredis runs beside seven other',
    '  arms (their heap, GC and JIT state) and is unpatched between its rounds; in its own process only ioredis, the',
    '  instrumentation and the same span pipeline are loaded.',
  ];
}

const fmtLoad = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
