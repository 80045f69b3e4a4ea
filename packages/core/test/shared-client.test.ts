/**
 * rr.client is shared by the whole app: what that changes against one ioredis connection. Commands that set one
 * connection's state are refused on a pool of more than one; blocking commands get a connection of their own;
 * pub/sub, duplicates and MONITOR connections are made on demand and closed with the instance; a WATCH that Redis
 * dropped with its connection aborts the transaction instead of letting EXEC run unguarded.
 */
import { type RedisProcess, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRedisUnavailableError, isUnsupportedCommandError, type ResilienceOptions } from '../src/index.js';
import { Opened, settle } from './helpers.js';

let server: RedisProcess;
let other: Redis;
const opened = new Opened();
const open = (o: ResilienceOptions = {}, s: RedisProcess = server) => {
  return opened.init({ redis: s.url, tracing: false, ...o });
};

beforeAll(async () => {
  server = await startRedis();
  other = new Redis(server.url);
});
afterEach(async () => {
  await opened.closeAll();
});
afterAll(async () => {
  other.disconnect();
  await stopAllRedis();
});

/** Connections the server sees with `name` (set through the `connectionName` option). */
async function connectionsNamed(s: RedisProcess, name: string): Promise<number> {
  const list = await s.cli('CLIENT', 'LIST');
  return list.split('\n').filter((l) => l.includes(` name=${name} `)).length;
}

describe('on a pool of more than one connection', () => {
  it('WATCH, SELECT and multi({ pipeline: false }) are refused with an error that names withConnection', async () => {
    const rr = open({ pool: { size: 3 } });
    for (const attempt of [
      () => rr.client.watch('k'),
      () => rr.client.select(1),
      () => rr.client.multi({ pipeline: false }),
      () => rr.client.call('WATCH', 'k'),
    ]) {
      const { error } = await settle(attempt() as Promise<unknown>);
      expect(isUnsupportedCommandError(error)).toBe(true);
      // A usage error, not an unavailable Redis: a fallback must not swallow it.
      expect(isRedisUnavailableError(error)).toBe(false);
      expect((error as Error).message).toMatch(/pool of 3 connections.*withConnection/);
    }
    const viaCallback = await new Promise((resolve) => rr.client.watch('k', (err) => resolve(err)));
    expect(isUnsupportedCommandError(viaCallback)).toBe(true);
    // The guarded MULTI batch and a WATCH inside a lease are what to use instead.
    expect(await rr.client.multi().set('k', '1').exec()).toEqual([[null, 'OK']]);
    expect(await rr.withConnection(async (conn) => conn.watch('k'))).toBe('OK');
  });

  it('a blocking command leases a connection: the shared ones keep serving, and no GET waits behind it', async () => {
    const rr = open({ pool: { size: 2 }, timeouts: { commandMs: 200 }, retry: { maxAttempts: 1 } });
    await rr.client.set('other', 'ok');
    const popped = rr.client.blpop('jobs:lease', 0);
    await waitFor(async () => /blocked_clients:1/.test(await other.info('clients')));
    // Round-robin over two connections would put every other GET behind BLPOP; they would time out at 200 ms.
    const gets = await Promise.all(Array.from({ length: 50 }, () => settle(rr.client.get('other'))));
    expect(gets.map((g) => g.value ?? (g.error as Error).message)).toEqual(Array(50).fill('ok'));
    await other.rpush('jobs:lease', 'j');
    expect(await popped).toEqual(['jobs:lease', 'j']);
  });
});

describe('on a pool of one', () => {
  it('a blocking command runs on a dedicated connection, kept as a spare: a worker loop opens one, not one per call', async () => {
    const rr = open({ redis: { host: server.host, port: server.port, connectionName: 'loop' } });
    await rr.client.ping();
    const receivedBefore = Number(/total_connections_received:(\d+)/.exec(await other.info('stats'))![1]);
    for (let i = 0; i < 5; i++) {
      await other.rpush('jobs:loop', `j${i}`);
      expect(await rr.client.blpop('jobs:loop', 1)).toEqual(['jobs:loop', `j${i}`]);
    }
    const receivedAfter = Number(/total_connections_received:(\d+)/.exec(await other.info('stats'))![1]);
    expect(receivedAfter - receivedBefore).toBe(1);
    expect(await connectionsNamed(server, 'loop')).toBe(2);
    await rr.close();
    await waitFor(async () => (await connectionsNamed(server, 'loop')) === 0, { message: 'spare closed by close()' });
  });

  it('a blocking command may outlast the call deadline by its own block time', async () => {
    const rr = open({ retry: { deadlineMs: 300 } });
    const popped = rr.client.blpop('jobs:slow', 2);
    await waitFor(async () => /blocked_clients:1/.test(await other.info('clients')));
    await new Promise((r) => setTimeout(r, 600));
    await other.rpush('jobs:slow', 'late');
    expect(await popped).toEqual(['jobs:slow', 'late']);
  });
});

describe('connections made on demand', () => {
  it('the subscriber, duplicates and MONITOR connections are closed by close(); relays leave the app instance', async () => {
    const s = await startRedis();
    const mine = new Redis({ host: s.host, port: s.port, connectionName: 'mine' });
    const readyListeners = mine.listenerCount('ready');
    const rr = open({ redis: mine, pool: { size: 2 } }, s);
    rr.client.on('ready', () => {});
    await rr.client.subscribe('ch');
    const dup = rr.client.duplicate();
    await dup.ping();
    const mon = await rr.client.monitor();
    await rr.client.blpop('nothing', 0.05);
    // Ours: the second pool connection, the subscriber, the duplicate, MONITOR; the app's instance is 'mine' too.
    await waitFor(async () => (await connectionsNamed(s, 'mine')) === 5);
    await rr.close();
    await waitFor(async () => (await connectionsNamed(s, 'mine')) === 1, { message: 'only the app instance left' });
    expect(mon.status).toBe('end');
    expect(mine.status).toBe('ready');
    expect(mine.listenerCount('ready')).toBe(readyListeners);
    mine.disconnect();
  });

  it('a duplicate is guarded: while Redis is down it fails fast with a typed error', async () => {
    const s = await startRedis();
    const rr = open({ queue: { maxWaitMs: 200 } }, s);
    const dup = rr.client.duplicate();
    expect(await dup.ping()).toBe('PONG');
    await s.kill();
    const { error, ms } = await settle(dup.get('k'));
    expect(isRedisUnavailableError(error)).toBe(true);
    expect(ms).toBeLessThan(3500);
  });

  it('monitor() on a server that never answers gives up, bounded; after close() nothing is reopened', async () => {
    const s = await startRedis();
    const rr = open({ timeouts: { connectMs: 300, commandMs: 200 } }, s);
    await rr.client.ping();
    s.pause();
    try {
      const { error, ms } = await settle(rr.client.monitor());
      expect((error as Error).message).toMatch(/not monitoring after 500 ms/);
      expect(ms).toBeLessThan(2000);
    } finally {
      s.resume();
    }
    await rr.close();
    expect((await settle(rr.client.connect())).error).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect((await settle(rr.client.monitor())).error).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await waitFor(() => rr.client.status === 'end');
  });

  it('a leased connection cannot be closed by its borrower', async () => {
    const rr = open();
    const { error } = await settle(rr.withConnection((conn) => conn.quit()));
    expect((error as Error).message).toMatch(/leased by withConnection.*duplicate\(\)/);
    expect(await rr.withConnection((conn) => conn.ping())).toBe('PONG');
  });
});
