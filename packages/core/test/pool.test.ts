/** The connection pool: spreading, exclusive leases with a bounded wait, and usage stats. */
import { startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPoolTimeoutError, isRedisUnavailableError } from '../src/index.js';
import type { Instrumentation } from '../src/instrumentation.js';
import { Opened, recordingInstrumentation, settle } from './helpers.js';

type Stats = { max: number; used: number; idle: number; pending: number };

let server: Awaited<ReturnType<typeof startRedis>>;
const opened = new Opened();

function poolWith(size: number) {
  const rec = recordingInstrumentation();
  const timeouts: string[] = [];
  const waits: number[] = [];
  const instrumentation: Instrumentation = {
    ...rec.instrumentation,
    emit(name, data) {
      rec.instrumentation.emit(name, data);
      if (name === 'poolTimeout') timeouts.push((data as { pool: string }).pool);
      if (name === 'poolWait') waits.push((data as { seconds: number }).seconds);
    },
  };
  const rr = opened.init({ redis: server.url, pool: { size, acquireTimeoutMs: 200 } }, { instrumentation });
  return { rr, stats: (): Stats => rec.events.pools.values().next().value!(), timeouts, waits };
}

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await opened.closeAll();
  await stopAllRedis();
});

describe('pool', () => {
  it('spreads commands over every connection', async () => {
    const rr = opened.init({
      redis: { host: '127.0.0.1', port: server.port, connectionName: 'spread' },
      pool: { size: 4 },
    });
    const served = async () => {
      await Promise.all(Array.from({ length: 200 }, () => rr.client.get('k')));
      const lines = (await server.cli('CLIENT', 'LIST')).split('\n').filter((l) => l.includes('name=spread '));
      return lines.length === 4 && lines.every((l) => l.includes('cmd=get'));
    };
    // Connections come up one by one; once all are ready, every one of them serves GETs.
    await waitFor(served, { timeoutMs: 10_000 });
  });

  it('reports used connections and pending requests rising and falling', async () => {
    const { rr, stats } = poolWith(3);
    await rr.client.ping();
    expect(stats()).toMatchObject({ max: 3, used: 0, idle: 3, pending: 0 });
    // Hold both leasable connections; a third lease has to wait.
    const release: Array<() => void> = [];
    const held = [0, 1].map(() =>
      rr.withConnection(() => new Promise<void>((r) => release.push(r)), { timeoutMs: 5000 }),
    );
    await waitFor(() => release.length === 2);
    const waiting = rr.withConnection(async (c) => c.ping(), { timeoutMs: 5000 });
    await waitFor(() => stats().pending > 0, { message: 'the third lease to wait' });
    expect(stats()).toMatchObject({ used: 2, pending: 1 });
    for (const r of release) r();
    expect(await waiting).toBe('PONG');
    await Promise.all(held);
    await waitFor(() => stats().used === 0 && stats().pending === 0);
  });

  it('a lease that waits past its limit raises PoolTimeoutError and counts a timeout', async () => {
    const { rr, timeouts } = poolWith(2);
    let release!: () => void;
    const held = rr.withConnection(() => new Promise<void>((r) => (release = r)));
    await waitFor(() => release);
    const { error, ms } = await settle(rr.withConnection(async () => 'never', { timeoutMs: 100 }));
    expect(isPoolTimeoutError(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(timeouts).toHaveLength(1);
    release();
    await held;
  });

  it('a blocking BLPOP on a leased connection does not stall other commands', async () => {
    for (const size of [1, 2]) {
      const { rr } = poolWith(size);
      await rr.client.set('other', 'ok');
      let popped = false;
      const blpop = rr
        .withConnection((conn) => conn.blpop(`jobs${size}`, 5))
        .then((v) => {
          popped = true;
          return v;
        });
      // While BLPOP blocks its connection, shared traffic keeps flowing.
      for (let i = 0; i < 50; i++) expect(await rr.client.get('other')).toBe('ok');
      expect(popped).toBe(false);
      const pusher = new Redis(server.url);
      await pusher.rpush(`jobs${size}`, 'j');
      pusher.disconnect();
      expect(await blpop).toEqual([`jobs${size}`, 'j']);
    }
  });

  it('WATCH/MULTI on a leased connection is a real optimistic transaction', async () => {
    const { rr } = poolWith(2);
    await rr.client.set('bal', '10');
    const other = new Redis(server.url);
    /** Read, let `meanwhile` run between WATCH and EXEC, then write the balance less 3 in a transaction. */
    const debit = (meanwhile: () => Promise<unknown>) =>
      rr.withConnection(async (conn) => {
        await conn.watch('bal');
        const bal = Number(await conn.get('bal'));
        await meanwhile();
        return conn
          .multi()
          .set('bal', String(bal - 3))
          .exec();
      });
    try {
      expect(await debit(async () => {})).toEqual([[null, 'OK']]);
      expect(await rr.client.get('bal')).toBe('7');
      // Another client writes the watched key before EXEC: the transaction is discarded, and the other write stands.
      expect(await debit(() => other.set('bal', '100'))).toBeNull();
      expect(await rr.client.get('bal')).toBe('100');
    } finally {
      other.disconnect();
    }
  });
});

describe('pool through an outage', () => {
  it('a lease whose connection is down is given back: leases work again after Redis returns', async () => {
    const s = await startRedis();
    const rr = opened.init({ redis: s.url, pool: { size: 2, acquireTimeoutMs: 300 }, queue: { maxWaitMs: 100 } });
    expect(await rr.withConnection((c) => c.ping())).toBe('PONG');
    await s.kill();
    for (let i = 0; i < 3; i++) {
      const { error } = await settle(rr.withConnection((c) => c.ping()));
      expect(isRedisUnavailableError(error), String(error)).toBe(true);
      expect(isPoolTimeoutError(error)).toBe(false); // the connection was leased, then found down: not a pool timeout
    }
    await s.restart();
    await waitFor(async () => (await rr.withConnection((c) => c.ping()).catch(() => null)) === 'PONG', {
      timeoutMs: 10_000,
    });
  });
});
