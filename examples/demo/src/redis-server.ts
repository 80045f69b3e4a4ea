/**
 * The drill's private redis-server, started through the testkit's one launcher: a free loopback port, never the
 * machine's shared Redis (the drill kills the server it talks to), with its append-only file kept across the kill.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis } from '@redis-resilience/testkit/redis-server';
import { trackDir } from './reaper.js';

export const INSTALL_HINT = [
  'redis-server is not installed. Install it with one of:',
  '  bash scripts/setup.sh',
  '  apt-get install -y redis-server',
].join('\n');

export interface PrivateRedis {
  readonly port: number;
  /** redis://127.0.0.1:PORT/db */
  url(db: number): string;
  /** SIGKILL: no goodbye to the clients, as a crashed or OOM-killed server. Resolves once the port refuses. */
  kill(): Promise<void>;
  /** Starts again on the same port, with the data of its append-only file, and resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops for good and removes the working directory. */
  stop(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return !spawnSync('redis-server', ['--version']).error;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-demo-redis-'));
  trackDir(dir);
  // Persistence on, as a Redis holding sessions and streams has in production: the restart brings the data back,
  // so what the drill shows is the outage, not a data loss. Redis write()s the AOF before it replies, so a SIGKILL
  // loses no acknowledged write even with fsync once a second (only a machine crash would).
  const server = await startRedis({ dir, args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
  return {
    port: server.port,
    url: (db) => `redis://127.0.0.1:${server.port}/${db}`,
    kill: () => server.kill(),
    start: () => server.restart(),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
