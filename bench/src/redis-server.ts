/** A private redis-server on a free loopback port, through the testkit's one launcher; the outage bench SIGKILLs it. */
import { spawnSync } from 'node:child_process';
import { startRedis } from '@redis-resilience/testkit/redis-server';

export interface PrivateRedis {
  readonly url: string;
  kill(): Promise<void>;
  /** Kills it if still running and removes its directory. */
  stop(): Promise<void>;
}

/** `7.0.15` from `redis-server --version`. */
export function redisServerVersion(): string {
  const out = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /v=(\S+)/.exec(out)?.[1] ?? 'unknown';
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startRedis();
  return { url: server.url, kill: () => server.kill(), stop: () => server.stop() };
}
