/**
 * The bench's side of instr-child.ts: runs instrumentation-ioredis in a process of its own, against the same
 * redis-server, after the in-process rounds (never beside them: on two cores it would compete for the CPU), and
 * reports it as one more arm whose ratios are to its own raw baseline in the same round.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChildResults } from './instr-child.js';
import { median } from './stats.js';
import type { ArmThroughput } from './throughput.js';
import type { RoundResult } from './workload.js';

const run = promisify(execFile);

export interface OwnProcessOptions {
  url: string;
  rounds: number;
  roundMs: number;
  concurrency: number;
  onRound?: (round: number, disabled: RoundResult, enabled: RoundResult) => void;
}

export async function measureOwnProcess(o: OwnProcessOptions): Promise<ArmThroughput> {
  const child = fileURLToPath(new URL('./instr-child.js', import.meta.url));
  const args = ['--url', o.url, '--rounds', String(o.rounds), '--round-ms', String(o.roundMs)];
  const { stdout } = await run(process.execPath, [child, ...args, '--concurrency', String(o.concurrency)], {
    timeout: 60_000 + (o.rounds + 1) * 2 * o.roundMs * 2,
    maxBuffer: 16 * 1024 * 1024,
  });
  const { rounds } = JSON.parse(stdout) as ChildResults;
  rounds.forEach((r, i) => {
    o.onRound?.(i + 1, r.disabled, r.enabled);
  });
  const enabledOps = rounds.reduce((sum, r) => sum + r.enabled.ops, 0);
  const enabledSpans = rounds.reduce((sum, r) => sum + r.enabledSpans, 0);
  const disabledSpans = rounds.reduce((sum, r) => sum + r.disabledSpans, 0);
  const spansPerOp = enabledOps === 0 ? 0 : enabledSpans / enabledOps;
  const roundRatios = rounds.map((r) => r.enabled.opsPerSecond / r.disabled.opsPerSecond);
  return {
    id: 'otel-own-process',
    label: 'instrumentation-ioredis, own process',
    opsPerSecond: median(rounds.map((r) => r.enabled.opsPerSecond)),
    cpuMicrosPerOp: median(rounds.map((r) => r.enabled.cpuMicrosPerOp)),
    throughputRatio: median(roundRatios),
    cpuRatio: median(rounds.map((r) => r.enabled.cpuMicrosPerOp / r.disabled.cpuMicrosPerOp)),
    roundRatios,
    baselineOpsPerSecond: median(rounds.map((r) => r.disabled.opsPerSecond)),
    spansPerOp,
    valid: rounds.length > 0 && spansPerOp >= 0.99 && spansPerOp <= 1.01 && disabledSpans === 0,
  };
}
