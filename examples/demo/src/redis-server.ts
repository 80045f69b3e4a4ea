/**
 * A private redis-server on a free loopback port, which the drill can SIGKILL and start again on the same port.
 * Never the machine's shared Redis: the drill kills the server it talks to.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { track, trackDir } from './reaper.js';

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
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    // Persistence on, as a Redis holding sessions and streams has in production: the restart brings the data back,
    // so what the drill shows is the outage, not a data loss. Redis write()s the AOF before it replies, so a SIGKILL
    // loses no acknowledged write even with fsync once a second (only a machine crash would).
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    args.push('--appendfsync', 'everysec', '--dir', dir);
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    track(proc);
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await pong(port))) {
      if (proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server did not start on port ${port}`);
      await sleep(25);
    }
  }

  async function kill(): Promise<void> {
    child?.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    port,
    url: (db) => `redis://127.0.0.1:${port}/${db}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ready means answering PING, not merely accepting a connection. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
