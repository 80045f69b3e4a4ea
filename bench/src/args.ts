/** Command-line flags of the benchmark. */

export interface BenchArgs {
  /** A smoke run for CI: short rounds, a short outage. The numbers mean little. */
  quick: boolean;
  /** Print the results as JSON on stdout. */
  json: boolean;
  /** Interleaved rounds per arm. */
  rounds: number;
  /** Length of one arm's round. */
  roundMs: number;
  /** GETs in flight at once in the throughput workload (issue #17: 100). */
  concurrency: number;
  /** Calls timed with the breaker open. */
  failFastCalls: number;
  /** Length of the simulated outage for the RSS measurement (after a warm-up at the same rate), and its request rate. */
  outageWarmUpSeconds: number;
  outageSeconds: number;
  outageRate: number;
}

export const USAGE = `Usage: pnpm bench [--quick] [--json] [--rounds N] [--round-ms MS] [--concurrency N] [--outage-seconds S]`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const quick = argv.includes('--quick');
  const args: BenchArgs = quick
    ? {
        quick,
        json: false,
        rounds: 2,
        roundMs: 300,
        concurrency: 100,
        failFastCalls: 2000,
        outageWarmUpSeconds: 1,
        outageSeconds: 3,
        outageRate: 500,
      }
    : {
        quick,
        json: false,
        // Many short rounds: a burst of other work on the machine spoils one round, and the median drops it.
        rounds: 15,
        roundMs: 1000,
        concurrency: 100,
        failFastCalls: 10_000,
        outageWarmUpSeconds: 10,
        outageSeconds: 60,
        outageRate: 1000,
      };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer\n${USAGE}`);
      return n;
    };
    if (flag === '--quick' || flag === '--') continue;
    if (flag === '--json') args.json = true;
    else if (flag === '--rounds') args.rounds = value();
    else if (flag === '--round-ms') args.roundMs = value();
    else if (flag === '--concurrency') args.concurrency = value();
    else if (flag === '--outage-seconds') args.outageSeconds = value();
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return args;
}
