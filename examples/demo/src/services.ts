/**
 * The example service, started twice as separate processes (as two deployments would be): one on ioredis
 * defaults with try/catch, one on redis-resilience. Separate processes keep one arm's pile-up from slowing the other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { track } from './reaper.js';

export type Arm = 'naive' | 'resilient';
export const ARMS: readonly Arm[] = ['naive', 'resilient'];
export const ARM_LABELS: Readonly<Record<Arm, string>> = {
  naive: 'ioredis defaults + try/catch',
  resilient: 'redis-resilience',
};

export interface RunningService {
  readonly arm: Arm;
  readonly baseUrl: string;
  /** The service's Redis client settings, as it logged them at start. */
  readonly settings: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

/** The built server of @redis-resilience/example-service (the demo's `build` builds it first). */
export function serviceEntry(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@redis-resilience/example-service/package.json')), 'dist/server.js');
}

export function startService(arm: Arm, env: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, [serviceEntry()], {
    env: { ...process.env, ...env, CLIENT_MODE: arm, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`the ${arm} service did not start: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const event = parseEvent(line);
      if (event?.event !== 'listening') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const baseUrl = `http://127.0.0.1:${event.port}`;
      resolve({ arm, baseUrl, settings: event.settings ?? '', stop: () => stop(child) });
    });
  });
}

function parseEvent(line: string): { event?: string; port?: number; settings?: string } | undefined {
  try {
    return JSON.parse(line) as { event?: string; port?: number; settings?: string };
  } catch {
    return undefined;
  }
}

/** SIGTERM lets the service flush; the naive one may have requests hanging on Redis, so SIGKILL after a grace period. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
