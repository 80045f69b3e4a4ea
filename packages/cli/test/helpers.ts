import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunNodeResult, runNode } from '@redis-resilience/testkit';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CLI_SOURCE = path.join(PACKAGE_DIR, 'src', 'cli.ts');

// stdout is a pipe, so the CLI prints no colour unless FORCE_COLOR says so. Setting NO_COLOR as well would make
// Node warn on stderr about the pair, so a FORCE_COLOR inherited from the terminal is neutralised instead.
const NO_FORCED_COLOR: Record<string, string> = process.env.FORCE_COLOR === undefined ? {} : { FORCE_COLOR: '0' };

export interface CliRun extends RunNodeResult {
  /** Wall time of the whole child process, startup included. */
  ms: number;
}

/**
 * Runs the CLI from source as a real child process (`node --import tsx src/cli.ts …`), so no build is
 * needed first. No inherited REDIS_URL, and no colour unless a test asks for it.
 */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const start = performance.now();
  const result = await runNode(CLI_SOURCE, {
    args,
    cwd: PACKAGE_DIR, // `--import tsx` resolves from here
    env: { NODE_OPTIONS: '--import tsx', REDIS_URL: '', ...NO_FORCED_COLOR, ...env },
    timeoutMs: 30_000,
  });
  return { ...result, ms: performance.now() - start };
}

export interface JsonCheck {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  value?: string;
  detail?: string;
  fix?: string;
  errorType?: string;
  data?: Record<string, unknown>;
}

export interface JsonReport {
  version: 1;
  target: { host: string; port: number; tls: boolean; db: number };
  checks: JsonCheck[];
  summary: Record<JsonCheck['status'], number>;
}

export function check(report: JsonReport, id: string): JsonCheck {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check "${id}" in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/**
 * Every PING of the ping check got its PONG. Its status may still be "warn": that judges the latency, and a
 * loaded CI host can push a loopback p99 past the 50 ms warning without anything being wrong with the doctor.
 */
export function pingsAnswered(report: JsonReport, pings: number): void {
  const ping = check(report, 'ping');
  if (
    ping.status === 'fail' ||
    ping.status === 'skip' ||
    (ping.data as { count?: number } | undefined)?.count !== pings
  )
    throw new Error(`the ping check did not answer ${pings} PINGs: ${JSON.stringify(ping)}`);
}

/** A scratch directory for config files, removed by the returned cleanup. */
export function scratch(): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-cli-test-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
