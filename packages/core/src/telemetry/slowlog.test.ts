import { type RedisProcess, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  parseSlowlogEntry,
  type SlowlogEntry,
  type SlowlogRedis,
  slowlogClient,
  slowlogCommandName,
  startSlowlogPoller,
} from './slowlog.js';

const SECRET_KEY = 'slowlog-test-key-7f3a';
const SECRET_VALUE = 'slowlog-test-value-c91e';

describe('startSlowlogPoller against redis-server', () => {
  let server: RedisProcess;
  const clients: Redis[] = [];
  const stops: Array<() => void> = [];

  const connect = (): Redis => {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // Every command is slow enough to log: the test controls exactly what lands in the log.
    server = await startRedis({ args: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '1024'] });
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => stopAllRedis());

  /** The poller's connection, counting finished polls so a test knows when the baseline is taken. */
  const counted = () => {
    const client = connect();
    const state = { polls: 0 };
    const redis: SlowlogRedis = {
      call: async (command, ...args) => {
        const reply = await client.call(command, ...args);
        state.polls++;
        return reply;
      },
    };
    return { redis, state };
  };

  const rawArg = (raw: unknown, i: number): unknown => ((raw as unknown[])[3] as unknown[])[i];

  it('reports each new entry exactly once, by command name only', async () => {
    const app = connect();
    await app.set('before-start', 'x'); // already in the log at start: not reported by default
    const { redis, state } = counted();
    const seen: SlowlogEntry[] = [];
    const errors: unknown[] = [];
    const poller = startSlowlogPoller({
      redis,
      intervalMs: 10,
      onEntry: (e) => seen.push(e),
      onError: (e) => errors.push(e),
    });
    stops.push(poller.stop);
    await waitFor(() => state.polls >= 1, { timeoutMs: 5000 });

    for (let i = 0; i < 3; i++) await app.set(SECRET_KEY, SECRET_VALUE);
    await app.hset(`${SECRET_KEY}:h`, 'field', SECRET_VALUE);
    await app.get(SECRET_KEY);

    // The server's own log, read with the arguments (only the test looks at them), is the reference.
    const serverLog = (await app.call('SLOWLOG', 'GET', 1024)) as unknown[];
    const ours = serverLog.filter((raw) => String(rawArg(raw, 1)).startsWith(SECRET_KEY));
    const beforeStart = serverLog.find((raw) => rawArg(raw, 1) === 'before-start');
    expect(ours).toHaveLength(5);
    const ourIds = ours.map((raw) => parseSlowlogEntry(raw)!.id);
    await waitFor(() => ourIds.every((id) => seen.some((s) => s.id === id)), { timeoutMs: 5000 });
    // A few more polls, to catch any entry reported twice.
    const polled = state.polls;
    await waitFor(() => state.polls >= polled + 3, { timeoutMs: 5000 });
    poller.stop();

    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).not.toContain(parseSlowlogEntry(beforeStart)!.id);
    const mine = seen.filter((e) => ourIds.includes(e.id)).map((e) => e.command);
    expect(mine).toEqual(['set', 'set', 'set', 'hset', 'get']);
    for (const e of seen) {
      expect(Object.keys(e).sort()).toEqual(['command', 'durationMicros', 'id', 'timestamp']);
      expect(e.command).toMatch(/^[a-z]+$/);
      expect(e.durationMicros).toBeGreaterThanOrEqual(0);
      expect(e.timestamp).toBeGreaterThan(1_600_000_000);
    }
    const text = JSON.stringify(seen);
    expect(text).not.toContain(SECRET_KEY);
    expect(text).not.toContain(SECRET_VALUE);
    expect(errors).toEqual([]);
  });

  it('leaves out entries logged before it started unless includeExisting', async () => {
    const app = connect();
    await app.call('SLOWLOG', 'RESET');
    await app.set('old-entry', '1');
    const oldIds = ((await app.call('SLOWLOG', 'GET', 1024)) as unknown[]).map((raw) => parseSlowlogEntry(raw)!.id);
    expect(oldIds.length).toBeGreaterThan(0);

    const fresh: SlowlogEntry[] = [];
    const all: SlowlogEntry[] = [];
    const a = counted();
    const b = counted();
    stops.push(startSlowlogPoller({ redis: a.redis, intervalMs: 10, onEntry: (e) => fresh.push(e) }).stop);
    stops.push(
      startSlowlogPoller({ redis: b.redis, intervalMs: 10, includeExisting: true, onEntry: (e) => all.push(e) }).stop,
    );
    await waitFor(() => a.state.polls >= 1 && b.state.polls >= 1, { timeoutMs: 5000 });
    await app.set('new-entry', '1');
    await waitFor(() => fresh.some((e) => e.command === 'set') && all.filter((e) => e.command === 'set').length >= 2, {
      timeoutMs: 5000,
    });
    const freshIds = fresh.map((e) => e.id);
    for (const id of oldIds) expect(freshIds).not.toContain(id);
    expect(all.map((e) => e.id)).toEqual(expect.arrayContaining(oldIds));
  });

  it('keeps reporting after a server restart resets the entry ids', async () => {
    const app = connect();
    const { redis, state } = counted();
    const seen: SlowlogEntry[] = [];
    const poller = startSlowlogPoller({ redis, intervalMs: 10, onEntry: (e) => seen.push(e), onError: () => {} });
    stops.push(poller.stop);
    await waitFor(() => state.polls >= 1, { timeoutMs: 5000 });
    // Push the ids up, so that after the restart they start far below the last one seen.
    for (let i = 0; i < 50; i++) await app.call('PING');
    await waitFor(() => seen.filter((e) => e.command === 'ping').length === 50, { timeoutMs: 5000 });
    const lastBefore = Math.max(...seen.map((e) => e.id));

    await server.restart();
    await waitFor(async () => (await app.set('after-restart', '1').catch(() => null)) === 'OK', { timeoutMs: 10_000 });
    await waitFor(() => seen.some((e) => e.command === 'set'), { timeoutMs: 5000 });
    const after = seen.filter((e) => e.command === 'set');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBeLessThan(lastBefore);
  });
});

/** A stand-in for Redis where the test controls each reply; for timing and failure paths only. */
function scripted(reply: () => Promise<unknown>): SlowlogRedis & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    call(...args: unknown[]) {
      calls.push(args);
      return reply();
    },
  };
}

const entry = (id: number, argv: unknown[]) => [id, 1_800_000_000, 15, argv, '127.0.0.1:5000', ''];

describe('startSlowlogPoller failure paths', () => {
  it('never starts a poll while the previous one is pending', async () => {
    let release: (v: unknown) => void = () => {};
    const redis = scripted(() => new Promise((resolve) => (release = resolve)));
    const poller = startSlowlogPoller({ redis, intervalMs: 1, onEntry: () => {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(redis.calls).toHaveLength(1);
    expect(redis.calls[0]).toEqual(['SLOWLOG', 'GET', 128]);
    release([]);
    await waitFor(() => redis.calls.length >= 2, { timeoutMs: 1000 });
    poller.stop();
  });

  it('catches rejected and throwing calls and throwing hooks, and keeps polling', async () => {
    let n = 0;
    const redis: SlowlogRedis = {
      call() {
        n++;
        if (n === 2) throw new Error('synchronous failure');
        if (n === 3) return Promise.reject(new Error('Connection is closed.'));
        return Promise.resolve([entry(n, ['GET', 'k'])]);
      },
    };
    const errors: unknown[] = [];
    const seen: number[] = [];
    const poller = startSlowlogPoller({
      redis,
      intervalMs: 1,
      onEntry: (e) => {
        seen.push(e.id);
        throw new Error('hook failure');
      },
      onError: (e) => {
        errors.push(e);
        throw new Error('even onError throws');
      },
    });
    await waitFor(() => n >= 6, { timeoutMs: 1000 });
    poller.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(
      expect.arrayContaining(['synchronous failure', 'Connection is closed.', 'hook failure']),
    );
    expect(seen).toEqual(expect.arrayContaining([4, 5]));
  });

  it('unrefs its timer and stops cleanly', async () => {
    const redis = scripted(() => Promise.resolve([]));
    const timeoutsBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const seen: SlowlogEntry[] = [];
    const poller = startSlowlogPoller({ redis, intervalMs: 60_000, onEntry: (e) => seen.push(e) });
    await waitFor(() => redis.calls.length === 1);
    await new Promise((r) => setImmediate(r));
    // An unref'd timer does not keep the process alive, so it is not listed as an active resource.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timeoutsBefore);
    poller.stop();
    expect(redis.calls).toHaveLength(1);
  });

  it('reports nothing after stop, even from a poll in flight', async () => {
    let release: (v: unknown) => void = () => {};
    let first = true;
    const redis = scripted(() => {
      if (first) {
        first = false;
        return Promise.resolve([]);
      }
      return new Promise((resolve) => (release = resolve));
    });
    const seen: SlowlogEntry[] = [];
    const poller = startSlowlogPoller({ redis, intervalMs: 1, onEntry: (e) => seen.push(e) });
    await waitFor(() => redis.calls.length === 2);
    poller.stop();
    release([entry(1, ['SET', 'k', 'v'])]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    expect(redis.calls).toHaveLength(2);
  });
});

describe('slowlog entry parsing', () => {
  it('keeps the lower-cased command name and never an argument', () => {
    expect(parseSlowlogEntry(entry(7, ['HSET', 'user:1', 'password', 'hunter2']))).toEqual({
      id: 7,
      timestamp: 1_800_000_000,
      durationMicros: 15,
      command: 'hset',
    });
    expect(slowlogCommandName([Buffer.from('ZADD'), 'k'])).toBe('zadd');
  });

  it('collapses unknown command names to "other" so labels stay bounded', () => {
    expect(slowlogCommandName(['FT.SEARCH', 'idx', '*'])).toBe('other');
    expect(slowlogCommandName(['no-such-command-4711'])).toBe('other');
    expect(slowlogCommandName([])).toBe('other');
    expect(slowlogCommandName('GET')).toBe('other');
  });

  it('rejects malformed entries and reads the client fields', () => {
    expect(parseSlowlogEntry(['x', 1, 2, ['GET']])).toBeUndefined();
    expect(parseSlowlogEntry([1, 2])).toBeUndefined();
    expect(parseSlowlogEntry(null)).toBeUndefined();
    expect(slowlogClient(entry(1, ['GET']))).toEqual({ address: '127.0.0.1:5000', name: '' });
    expect(slowlogClient('nope')).toEqual({});
  });
});
