/** Everything one bench run measured, as `--json` prints it. */
import type { BenchArgs } from './args.js';
import type { Goal } from './goals.js';
import type { OutageResults } from './outage.js';
import type { ArmThroughput } from './throughput.js';

export interface BenchResults {
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    /** os.loadavg() (1, 5, 15 min) when the bench started and ended: other work on the machine skews the numbers. */
    loadStart: number[];
    loadEnd: number[];
    redisServer: string;
    packages: Record<string, string>;
  };
  settings: BenchArgs;
  throughput: ArmThroughput[];
  outage: OutageResults;
  goals: Goal[];
}
