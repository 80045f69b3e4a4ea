/**
 * Issue #11, defect 5: no error we throw or wrap exposes a password anywhere in its object graph (cause chains,
 * `command.args`, `input`), whatever went wrong. Each failure is produced for real and inspected the way an error
 * logger would: `util.inspect` at any depth, with hidden properties, and `JSON.stringify` of the error and causes.
 */
import { inspect } from 'node:util';
import { freePort, startFaultProxy, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, type ResilienceOptions } from '../src/index.js';
import { Opened, settle } from './helpers.js';

const PASSWORD = 'S3cret-Passw0rd-9f2b';
const WRONG = 'Wr0ng-Passw0rd-77c1';
let server: Awaited<ReturnType<typeof startRedis>>;
const opened = new Opened();

beforeAll(async () => {
  server = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await opened.closeAll();
  await stopAllRedis();
});

/** Every rendering an error logger might produce, of the error and of each cause. */
function renderings(err: unknown): string[] {
  const out: string[] = [inspect(err, { depth: Number.POSITIVE_INFINITY, showHidden: true }), String(err)];
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (typeof e === 'object' && e !== null && !seen.has(e)) {
    seen.add(e);
    out.push(
      JSON.stringify(e),
      JSON.stringify(Object.getOwnPropertyDescriptors(e), (_k, v) => (typeof v === 'function' ? '[fn]' : v)),
    );
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function expectNoSecret(err: unknown, ...secrets: string[]): void {
  expect(err).toBeDefined();
  for (const text of renderings(err)) for (const secret of secrets) expect(text).not.toContain(secret);
}

function open(redis: ResilienceOptions['redis'], extra: ResilienceOptions = {}) {
  return opened.init({ redis, tracing: false, metrics: false, ...extra });
}

describe('no password in any error', () => {
  it('a wrong password (the HELLO carrying it fails): auth errors, and the not-sent errors that quote it as cause', async () => {
    const rr = open(`redis://:${WRONG}@127.0.0.1:${server.port}`);
    await waitFor(async () => (await rr.health()).connection.lastErrorType === 'auth');
    const { error } = await settle(rr.client.get('k'));
    expect(error).toMatchObject({ errorType: 'auth' });
    expectNoSecret(error, WRONG);
    const health = await rr.health();
    expect(JSON.stringify(health)).not.toContain(WRONG);
  });

  it('an AUTH sent by the app itself that Redis refuses', async () => {
    const rr = open(`redis://:${PASSWORD}@127.0.0.1:${server.port}`);
    await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
    const { error } = await settle(rr.client.auth(WRONG));
    expectNoSecret(error, WRONG, PASSWORD);
  });

  it('a full offline queue, whose cause is the last connection error (the failed HELLO)', async () => {
    const rr = open(`redis://:${WRONG}@127.0.0.1:${server.port}`, { queue: { maxOffline: 0, maxWaitMs: 100 } });
    await waitFor(async () => (await rr.health()).connection.lastErrorType === 'auth');
    const { error } = await settle(rr.client.get('k'));
    expect(error).toMatchObject({ code: 'ERR_OFFLINE_QUEUE_FULL' });
    expectNoSecret(error, WRONG);
  });

  it('refused, reset, timeout, retries exhausted and circuit open, with the password in the URL', async () => {
    const closed = await freePort();
    const refused = open(`redis://:${PASSWORD}@127.0.0.1:${closed}`);
    expectNoSecret((await settle(refused.client.get('k'))).error, PASSWORD);

    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    try {
      const rr = open(`redis://:${PASSWORD}@127.0.0.1:${proxy.port}`, {
        timeouts: { commandMs: 200, connectMs: 200 },
        breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 },
      });
      await waitFor(async () => (await rr.client.ping().catch(() => '')) === 'PONG');
      await proxy.setMode('blackhole');
      expectNoSecret((await settle(rr.client.get('k'))).error, PASSWORD); // timeout, retried, exhausted
      await proxy.setMode('reset');
      expectNoSecret((await settle(rr.client.get('k'))).error, PASSWORD);
      await waitFor(async () => (await rr.health()).breaker.state === 'open', { timeoutMs: 10_000 }).catch(() => {});
      for (let i = 0; i < 5; i++) expectNoSecret((await settle(rr.client.get('k'))).error, PASSWORD);
      const pipelined = await settle(rr.client.pipeline().get('a').incr('b').exec());
      expectNoSecret(pipelined.error, PASSWORD);
    } finally {
      await proxy.close();
    }
  });

  it('a closed client, and an ended instance the app passed in', async () => {
    const rr = open(`redis://:${PASSWORD}@127.0.0.1:${server.port}`);
    await rr.close();
    expectNoSecret((await settle(rr.client.get('k'))).error, PASSWORD);
    const mine = new Redis({ port: server.port, password: PASSWORD, lazyConnect: true });
    mine.disconnect();
    const wrapped = open(mine);
    expectNoSecret((await settle(wrapped.client.get('k'))).error, PASSWORD);
  });

  it('invalid options at init: an unparsable URL and a bad port next to a password', () => {
    const bad = [
      `redis://:${PASSWORD}@127.0.0.1:99999`,
      `redis://user:${PASSWORD}@[bad-host/0`,
      `redis://:${PASSWORD}@127.0.0.1:6379/notanumber`,
    ];
    for (const url of bad) {
      let thrown: unknown;
      try {
        init({ redis: url });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: 'ERR_INVALID_OPTIONS', field: 'redis' });
      expectNoSecret(thrown, PASSWORD);
    }
    let thrown: unknown;
    try {
      init({ redis: { port: 70_000, password: PASSWORD } });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'ERR_INVALID_OPTIONS', field: 'redis.port' });
    expectNoSecret(thrown, PASSWORD);
  });
});
