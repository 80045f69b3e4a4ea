import { afterAll, describe, expect, it } from 'vitest';
import {
  deadProcesses,
  ping,
  rawExchange,
  StopWaiting,
  startRedis,
  stopAllRedis,
  tryConnect,
  waitFor,
} from '../src/index.js';
import { connectProbe, isAlive, PING, waitForPong } from './helpers.js';

afterAll(() => stopAllRedis());

describe('startRedis', () => {
  it('starts a server that answers PING through redis-cli', async () => {
    const redis = await startRedis();
    expect(redis.host).toBe('127.0.0.1');
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).not.toBe(6379);
    expect(isAlive(redis.pid)).toBe(true);
    expect(await redis.cli('PING')).toBe('PONG');
    expect(await redis.cli('CONFIG', 'GET', 'save')).toBe('save');
    expect(await redis.cli('CONFIG', 'GET', 'appendonly')).toBe('appendonly\nno');
    await redis.kill();
  });

  it('passes extra args and a password', async () => {
    const redis = await startRedis({ password: 's3cr3t/pw', args: ['--maxmemory', '10mb'] });
    expect(redis.url).toBe(`redis://:s3cr3t%2Fpw@127.0.0.1:${redis.port}`);
    expect(await redis.cli('CONFIG', 'GET', 'maxmemory')).toBe('maxmemory\n10485760');
    expect(await ping(redis.port)).toBe(false);
    expect(await ping(redis.port, { password: 's3cr3t/pw' })).toBe(true);
    await redis.stop();
  });

  it('kill() closes the port and restart() brings the server back on the same port', async () => {
    const redis = await startRedis();
    const { port, pid } = redis;
    await redis.cli('SET', 'k', 'v');
    await redis.kill();
    expect(await tryConnect(port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    expect(isAlive(pid)).toBe(false);

    await redis.restart();
    expect(redis.port).toBe(port);
    expect(redis.pid).not.toBe(pid);
    expect(await redis.cli('PING')).toBe('PONG');
    expect(await redis.cli('GET', 'k')).toBe(''); // a fresh, empty server: nothing is persisted
    await redis.stop();
    expect(await tryConnect(port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });

  it('pause() keeps accepting TCP but never answers; resume() answers what queued up', async () => {
    const redis = await startRedis();
    redis.pause();
    const silent = await rawExchange({ port: redis.port, payload: PING, timeoutMs: 300 });
    expect(silent).toMatchObject({ connected: true, data: '', timedOut: true });

    const probe = await connectProbe(redis.port);
    probe.socket.write(PING);
    const before = await rawExchange({ port: redis.port, payload: PING, timeoutMs: 300 });
    expect(before.timedOut).toBe(true);
    expect(probe.data()).toBe('');

    redis.resume();
    await waitForPong(probe);
    probe.socket.destroy();
    expect(await redis.cli('PING')).toBe('PONG');
    await redis.kill();
  });

  it('running follows the process, and deadProcesses() ends a wait on a server that died', async () => {
    const [a, b] = [await startRedis(), await startRedis()];
    expect([a.running, b.running]).toEqual([true, true]);
    a.pause();
    expect(a.running).toBe(true); // stopped, not dead
    a.resume();
    expect(deadProcesses([a, b])).toBe(false);
    process.kill(b.pid, 'SIGKILL'); // from outside, as a crash would
    const started = Date.now();
    const error = await waitFor(async () => (await b.cli('PING').catch(() => '')) === 'PONG', {
      timeoutMs: 10_000,
      fatal: () => deadProcesses([a, b]),
    }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(StopWaiting);
    expect((error as Error).message).toContain(`fatal: redis-server exited on port ${b.port}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect([a.running, b.running]).toEqual([true, false]);
    await b.restart();
    expect(b.running).toBe(true);
    await Promise.all([a.kill(), b.stop()]);
    expect([a.running, b.running]).toEqual([false, false]);
  });

  it('kill() and stop() work on a paused server', async () => {
    const a = await startRedis();
    const b = await startRedis();
    a.pause();
    b.pause();
    await Promise.all([a.kill(), b.stop()]);
    expect(isAlive(a.pid)).toBe(false);
    expect(isAlive(b.pid)).toBe(false);
    expect(await tryConnect(a.port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    expect(await tryConnect(b.port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });

  it('honours a fixed port and reports a clear error when it is taken', async () => {
    const first = await startRedis();
    const second = await startRedis({ port: first.port }).catch((err: Error) => err);
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/Address already in use/);
    await first.kill();
    const again = await startRedis({ port: first.port });
    expect(again.port).toBe(first.port);
    expect(await again.cli('PING')).toBe('PONG');
    await again.kill();
  });

  it('stopAllRedis() kills every server still running', async () => {
    const servers = await Promise.all([startRedis(), startRedis()]);
    servers[1]?.pause();
    await stopAllRedis();
    for (const server of servers) {
      expect(isAlive(server.pid)).toBe(false);
      expect(await tryConnect(server.port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    }
  });

  it('explains how to install redis-server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent-testkit-path';
    try {
      await expect(startRedis()).rejects.toThrow(
        'install it with `apt-get install -y redis-server` (or `bash scripts/setup.sh`)',
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
