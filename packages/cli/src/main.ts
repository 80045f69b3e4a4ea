/** Argument parsing and dispatch. Exit codes: 0 no check failed, 1 a check failed, 2 usage error. */
import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import { type LoadedConfig, loadConfig } from './config-file.js';
import type { DoctorOptions } from './doctor/context.js';
import { runDoctor } from './doctor/run.js';
import { renderHuman, useColor } from './output/human.js';
import { renderJson } from './output/json.js';
import { makeRedactor } from './redact.js';
import { type ConnectionTarget, DEFAULT_URL, describeTarget, targetFromOptions, targetFromUrl } from './target.js';
import { UsageError } from './usage.js';

export const USAGE = `Usage: redis-resilience doctor [redis-url] [options]

Diagnoses the connection to Redis: DNS, TCP, TLS, AUTH, PING latency, INFO, CONFIG, SLOWLOG,
and lints the client options of a redis-resilience config.

  redis-url            redis://[[user]:password@]host[:port][/db] or rediss://…
                       default: the config's redis, then $REDIS_URL, then ${DEFAULT_URL}
  --config <file>      JSON or JS module whose default export is the options object init() takes
  --timeout <ms>       bound on each network step (default 2000)
  --pings <n>          PINGs for the latency check (default 20)
  --json               print the report as JSON (schema in the README)
  -h, --help           show this help
  -v, --version        show the version

Exit code: 0 when no check failed, 1 when one did, 2 for a usage error.
Prefer REDIS_URL to an argument for a URL with a password: arguments show in the process list.
`;

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be a whole number between 1 and ${max}`);
  }
  return n;
}

function resolveTarget(url: string | undefined, config: LoadedConfig | undefined, env: NodeJS.ProcessEnv) {
  if (url !== undefined) return targetFromUrl(url);
  const fromConfig = config?.redis;
  if (fromConfig?.kind === 'url') return targetFromUrl(fromConfig.url);
  if (fromConfig?.kind === 'options' || fromConfig?.kind === 'instance') return targetFromOptions(fromConfig.options);
  return targetFromUrl(env.REDIS_URL || DEFAULT_URL);
}

async function doctor(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      config: { type: 'string' },
      timeout: { type: 'string' },
      pings: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('doctor takes at most one Redis URL');
  const timeoutMs = positiveInt('timeout', values.timeout, 2000, 600_000);
  const pings = positiveInt('pings', values.pings, 20, 100_000);
  const config = values.config === undefined ? undefined : await loadConfig(values.config);
  const target: ConnectionTarget = resolveTarget(positionals[0], config, io.env);

  const options: DoctorOptions = { target, timeoutMs, pings, ...(config ? { config } : {}) };
  const report = await runDoctor(options);
  const text = values.json
    ? renderJson(report)
    : renderHuman(report, describeTarget(target), useColor(io.stdout, io.env));
  // Long passwords are redacted anywhere; a 1-3 character one only where outside text could carry it.
  io.stdout.write(makeRedactor([target.password], 4)(text));
  return report.summary.fail > 0 ? 1 : 0;
}

export async function main(io: Io): Promise<number> {
  const [command, ...rest] = io.argv;
  // Whatever goes wrong, the URL's password (from argv or REDIS_URL) must not reach the terminal.
  const secrets = [...io.argv, io.env.REDIS_URL ?? ''].flatMap((a) => {
    try {
      const p = new URL(a).password;
      return p ? [decodeURIComponent(p)] : [];
    } catch {
      return [];
    }
  });
  const redact = makeRedactor(secrets);
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      (command === undefined ? io.stderr : io.stdout).write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    if (command !== 'doctor') throw new UsageError(`unknown command "${command}"`);
    return await doctor(rest, io);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = redact(err instanceof Error ? err.message : String(err));
    if (usage) {
      io.stderr.write(`redis-resilience: ${message}\nRun "redis-resilience --help" for usage.\n`);
      return 2;
    }
    io.stderr.write(`redis-resilience: unexpected error: ${message}\n`);
    return 1;
  }
}
