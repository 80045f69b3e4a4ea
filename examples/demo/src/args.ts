/** Command-line flags of the demo. */

export interface DemoArgs {
  /** Print the report as JSON on stdout (progress still goes to stderr). */
  json: boolean;
  /** Keep Redis and both services running after the report, until Ctrl-C. */
  keep: boolean;
  /** Phase lengths in seconds. */
  phases: { before: number; outage: number; after: number };
  /** Requests per second sent to each of the two services. */
  rate: number;
  /** A request unanswered after this long counts as hanging (the client gives up, as a proxy would). */
  clientTimeoutMs: number;
  /** Also write every request (arm, op, phase, send time, latency, status) to this JSON file, for analysis. */
  samplesFile: string | undefined;
}

export const USAGE = `Usage: pnpm demo [--quick] [--duration-scale X] [--rate N] [--json] [--keep]

  --quick             short phases (3 s before, 6 s outage, 8 s after), for a first look
  --duration-scale X  multiply the phase lengths (15 s, 20 s, 20 s) by X
  --rate N            requests per second to each service (default 150)
  --client-timeout MS a request unanswered for this long counts as hanging (default 5000)
  --json              print the report as JSON on stdout
  --keep              keep Redis and both services up afterwards, to look at /metrics, /healthz and traces
  --samples FILE      also write every request (arm, op, phase, send time, latency, status) to FILE as JSON`;

const FULL = { before: 15, outage: 20, after: 20 };
const QUICK = { before: 3, outage: 6, after: 8 };

export function parseArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = {
    json: false,
    keep: false,
    phases: { ...FULL },
    rate: 150,
    clientTimeoutMs: 5000,
    samplesFile: undefined,
  };
  let scale = 1;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number\n\n${USAGE}`);
      return n;
    };
    if (flag === '--json') args.json = true;
    else if (flag === '--keep') args.keep = true;
    else if (flag === '--quick') args.phases = { ...QUICK };
    else if (flag === '--duration-scale') scale = value();
    else if (flag === '--rate') args.rate = Math.round(value());
    else if (flag === '--client-timeout') args.clientTimeoutMs = Math.round(value());
    else if (flag === '--samples') {
      args.samplesFile = argv[++i];
      if (!args.samplesFile) throw new Error(`--samples needs a file name\n\n${USAGE}`);
    } else if (flag === '--')
      continue; // pnpm passes it through before forwarded arguments
    else throw new Error(`unknown option ${flag}\n\n${USAGE}`);
  }
  for (const phase of ['before', 'outage', 'after'] as const) args.phases[phase] *= scale;
  return args;
}
