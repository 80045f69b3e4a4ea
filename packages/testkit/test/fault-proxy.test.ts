import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultProxy,
  type RedisProcess,
  rawExchange,
  startFaultProxy,
  startRedis,
  stopAllRedis,
  tryConnect,
  waitFor,
} from '../src/index.js';
import { connectProbe, PING, waitForPong } from './helpers.js';

let redis: RedisProcess;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});
afterAll(() => stopAllRedis());

async function newProxy(): Promise<FaultProxy> {
  proxy = await startFaultProxy({ host: redis.host, port: redis.port });
  return proxy;
}

describe('startFaultProxy', () => {
  it('pass: forwards both ways', async () => {
    const p = await newProxy();
    expect(p.url).toBe(`redis://127.0.0.1:${p.port}`);
    expect(p.mode).toBe('pass');
    const probe = await connectProbe(p.port);
    probe.socket.write(PING);
    await waitForPong(probe);
    expect(p.connections()).toBe(1);
    probe.socket.destroy();
    await waitFor(() => p.connections() === 0, { message: 'the proxy to notice the close' });
  });

  it('refuse: new connects get ECONNREFUSED, existing ones are closed; pass listens again on the same port', async () => {
    const p = await newProxy();
    const probe = await connectProbe(p.port);
    probe.socket.write(PING);
    await waitForPong(probe);

    await p.setMode('refuse');
    expect(await tryConnect(p.port)).toEqual({ ok: false, code: 'ECONNREFUSED' });
    await waitFor(() => probe.closed(), { message: 'the existing connection to be closed' });
    expect(p.connections()).toBe(0);

    await p.setMode('pass');
    const again = await rawExchange({ port: p.port, payload: PING, until: (d) => d.includes('\r\n') });
    expect(again.data).toBe('+PONG\r\n');
  });

  it('reset: a connected socket gets ECONNRESET, and so does a new one', async () => {
    const p = await newProxy();
    const probe = await connectProbe(p.port);
    probe.socket.write(PING);
    await waitForPong(probe);

    await p.setMode('reset');
    await waitFor(() => probe.errorCode(), { message: 'an error on the connected socket' });
    expect(probe.errorCode()).toBe('ECONNRESET');

    const fresh = await rawExchange({ port: p.port, payload: PING, timeoutMs: 2_000 });
    expect(fresh.data).toBe('');
    expect(fresh.errorCode).toBe('ECONNRESET');
    expect(await redis.cli('PING')).toBe('PONG'); // the server itself is unharmed
  });

  it('blackhole: connects succeed but nothing is answered, on new and existing connections', async () => {
    const p = await newProxy();
    const existing = await connectProbe(p.port);
    existing.socket.write(PING);
    await waitForPong(existing);

    await p.setMode('blackhole');
    const fresh = await rawExchange({ port: p.port, payload: PING, timeoutMs: 300 });
    expect(fresh).toMatchObject({ connected: true, data: '', timedOut: true });

    const before = existing.data();
    existing.socket.write(PING);
    const quiet = await rawExchange({ port: p.port, payload: PING, timeoutMs: 300 }); // doubles as a 300ms wait
    expect(quiet.timedOut).toBe(true);
    expect(existing.data()).toBe(before);
    expect(existing.closed()).toBe(false);
    existing.socket.destroy();

    await p.setMode('pass');
    const back = await rawExchange({ port: p.port, payload: PING, until: (d) => d.includes('\r\n') });
    expect(back.data).toBe('+PONG\r\n');
  });

  it('delay: the command reaches the server at once, its reply arrives after delayMs', async () => {
    const p = await newProxy();
    const key = `testkit:delay:${Date.now()}`;
    await p.setMode('delay', { delayMs: 600 });

    const probe = await connectProbe(p.port);
    const sentAt = Date.now();
    probe.socket.write(`*2\r\n$4\r\nINCR\r\n$${key.length}\r\n${key}\r\n`);
    // Applied server-side well before the reply is released.
    await waitFor(async () => (await redis.cli('GET', key)) !== '', { message: 'INCR to be applied' });
    expect(await redis.cli('GET', key)).toBe('1');
    expect(probe.data()).toBe('');
    await waitFor(() => probe.data().endsWith('\r\n'), { message: 'the delayed INCR reply' });
    expect(probe.data()).toBe(':1\r\n');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(600);
    probe.socket.destroy();
  });

  it('delay: rejects a missing delayMs', async () => {
    const p = await newProxy();
    await expect(p.setMode('delay')).rejects.toThrow(/delayMs/);
    expect(p.mode).toBe('pass');
  });

  it('closes client connections when the target goes away', async () => {
    const target = await startRedis();
    proxy = await startFaultProxy({ host: target.host, port: target.port });
    const probe = await connectProbe(proxy.port);
    probe.socket.write(PING);
    await waitForPong(probe);
    await target.kill();
    await waitFor(() => probe.closed(), { message: 'the client side to be closed' });
  });
});
