/**
 * Drop-in compatibility: the same test body drives `rr.client` and a plain ioredis client against a real
 * redis-server, method by method and event by event. Where the two differ, the difference is one of README's
 * deliberate differences, and the test names it (`DIFF:`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type RedisProcess, startRedis, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { Command, Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { init, isRedisUnavailableError } from '../src/index.js';

type Kind = 'ioredis' | 'rr.client';

let server: RedisProcess;
let publisher: Redis;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  server = await startRedis();
  publisher = new Redis(server.url);
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});
afterAll(async () => {
  publisher.disconnect();
  await stopAllRedis();
});

/** A client of `kind` on `s` (default: the shared server); rr.client runs on a pool of one, as ioredis does. */
function clientOf(kind: Kind, options: RedisOptions = {}, s: RedisProcess = server): Redis {
  if (kind === 'ioredis') {
    const c = new Redis({ host: s.host, port: s.port, ...options });
    c.on('error', () => {});
    cleanups.push(() => c.disconnect());
    return c;
  }
  const rr = init({ redis: { host: s.host, port: s.port, ...options }, tracing: false });
  cleanups.push(() => rr.close());
  return rr.client;
}

function collect(stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out: unknown[] = [];
    stream.on('data', (page: unknown[]) => out.push(...page));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

describe.each<Kind>(['ioredis', 'rr.client'])('%s', (kind) => {
  it('status, options, connect(), and connect() again rejects as ioredis does', async () => {
    const c = clientOf(kind, { lazyConnect: true });
    expect(c.status).toBe('wait');
    expect(c.options.port).toBe(server.port);
    expect(c.options.host).toBe('127.0.0.1');
    expect(c.mode).toBe('normal');
    await c.connect();
    expect(c.status).toBe('ready');
    await expect(c.connect()).rejects.toThrow('Redis is already connecting/connected');
    expect(await c.ping()).toBe('PONG');
  });

  it('emits connect and ready, then close, reconnecting (with the delay) and error when Redis goes, and ready again', async () => {
    const s = await startRedis();
    const c = clientOf(kind, { lazyConnect: true }, s);
    const seen: string[] = [];
    const delays: unknown[] = [];
    const errors: unknown[] = [];
    for (const e of ['connect', 'ready', 'close', 'end']) c.on(e, () => seen.push(e));
    c.on('reconnecting', (ms: unknown) => {
      seen.push('reconnecting');
      delays.push(ms);
    });
    c.on('error', (err: unknown) => errors.push(err));
    await c.connect();
    await waitFor(() => seen.includes('ready'));
    expect(seen).toEqual(['connect', 'ready']);
    await s.kill();
    await waitFor(() => seen.includes('reconnecting') && errors.length > 0, { message: 'reconnecting and an error' });
    expect(seen.slice(2, 4)).toEqual(['close', 'reconnecting']);
    expect(typeof delays[0]).toBe('number');
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await s.restart();
    await waitFor(() => seen.filter((e) => e === 'ready').length === 2, { message: 'ready after the restart' });
    c.disconnect();
    await waitFor(() => seen.includes('end'), { message: 'end after disconnect()' });
    expect(c.status).toBe('end');
  });

  it('an error with no listener does not crash the process', async () => {
    const s = await startRedis();
    const c = clientOf(kind, {}, s);
    // rr.client has no listener at all; the ioredis client's test listener is removed too.
    c.removeAllListeners('error');
    await c.ping();
    await s.kill();
    await waitFor(() => c.status === 'reconnecting');
    await s.restart();
    await waitFor(async () => (await c.ping().catch(() => null)) === 'PONG', { message: 'PONG after the restart' });
  });

  it('pub/sub: message, pmessage, smessage and the Buffer events reach listeners; commands still work', async () => {
    const c = clientOf(kind);
    const got: unknown[][] = [];
    c.on('message', (...a: unknown[]) => got.push(['message', ...a]));
    c.on('pmessage', (...a: unknown[]) => got.push(['pmessage', ...a]));
    c.on('smessage', (...a: unknown[]) => got.push(['smessage', ...a]));
    c.on('messageBuffer', (ch: Buffer, m: Buffer) => got.push(['messageBuffer', ch.toString(), m.toString()]));
    expect(await c.subscribe('news', 'sport')).toBe(2);
    expect(await c.psubscribe('logs.*')).toBe(3);
    expect(await c.ssubscribe('shard')).toBe(1);
    await publisher.publish('news', 'n1');
    await publisher.publish('logs.app', 'l1');
    await publisher.spublish('shard', 's1');
    await waitFor(() => got.length === 4, { message: 'four deliveries' });
    expect(got).toEqual(
      expect.arrayContaining([
        ['message', 'news', 'n1'],
        ['messageBuffer', 'news', 'n1'],
        ['pmessage', 'logs.*', 'logs.app', 'l1'],
        ['smessage', 'shard', 's1'],
      ]),
    );
    expect(await c.set('after-sub', 'ok')).toBe('OK');
    expect(await c.unsubscribe('news')).toBe(2); // sport and logs.* remain
    await publisher.publish('news', 'n2');
    await publisher.publish('sport', 'p1');
    await waitFor(() => got.some((g) => g[2] === 'p1'));
    expect(got.some((g) => g[2] === 'n2')).toBe(false);
  });

  it('pub/sub: subscriptions are restored after Redis restarts', async () => {
    const s = await startRedis();
    const c = clientOf(kind, {}, s);
    const got: string[] = [];
    c.on('message', (_ch: string, m: string) => got.push(m));
    c.on('pmessage', (_p: string, _ch: string, m: string) => got.push(m));
    await c.subscribe('jobs');
    await c.psubscribe('evt.*');
    await s.kill();
    await s.restart();
    const pub = new Redis(s.url);
    try {
      // Resubscribing happens after the reconnect: publish until both subscriptions deliver again.
      await waitFor(
        async () => {
          await pub.publish('jobs', 'j');
          await pub.publish('evt.x', 'e');
          return got.includes('j') && got.includes('e');
        },
        { timeoutMs: 15_000, intervalMs: 100, message: 'deliveries after the restart' },
      );
    } finally {
      pub.disconnect();
    }
  });

  it('defineCommand: EVALSHA, with EVAL when Redis lost the script; Buffer, callback and pipeline forms', async () => {
    const c = clientOf(kind) as Redis & Record<string, (...a: unknown[]) => Promise<unknown>>;
    c.defineCommand('setget', {
      numberOfKeys: 1,
      lua: "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
    });
    c.defineCommand('countKeys', { lua: 'return #KEYS' });
    expect(await c.setget!('sg', 'v1')).toBe('v1');
    expect(await c.setgetBuffer!('sg', 'v2')).toEqual(Buffer.from('v2'));
    expect(await c.countKeys!(3, 'a', 'b', 'c')).toBe(3);
    await publisher.script('FLUSH');
    expect(await c.setget!('sg', 'v3')).toBe('v3');
    const viaCallback = await new Promise((resolve, reject) =>
      c.setget!('sg', 'v4', (err: unknown, v: unknown) => (err ? reject(err) : resolve(v))),
    );
    expect(viaCallback).toBe('v4');
    const pipe = c.pipeline() as unknown as Record<string, (...a: unknown[]) => unknown> & { exec(): Promise<unknown> };
    pipe.setget!('sg', 'v5');
    pipe.get!('sg');
    expect(await pipe.exec()).toEqual([
      [null, 'v5'],
      [null, 'v5'],
    ]);
  });

  it('SCRIPT LOAD and EVALSHA; NOSCRIPT passes through as the ReplyError it is', async () => {
    const c = clientOf(kind);
    const sha = (await c.script('LOAD', 'return ARGV[1]')) as string;
    expect(await c.evalsha(sha, 0, 'hi')).toBe('hi');
    const err = await c.evalsha('ffffffffffffffffffffffffffffffffffffffff', 0).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ReplyError');
    expect((err as Error).message).toMatch(/^NOSCRIPT/);
  });

  it('scanStream, hscanStream, sscanStream and zscanStream walk everything', async () => {
    const c = clientOf(kind);
    const prefix = `scan:${kind}:`;
    await c.mset(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`${prefix}${i}`, 'v'])));
    const keys = await collect(c.scanStream({ match: `${prefix}*`, count: 10 }));
    expect(new Set(keys).size).toBe(120);
    await c.hset(`${prefix}h`, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, String(i)])));
    expect((await collect(c.hscanStream(`${prefix}h`, { count: 50 }))).length).toBe(600);
    await c.sadd(`${prefix}s`, ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    expect(new Set(await collect(c.sscanStream(`${prefix}s`))).size).toBe(300);
    await c.zadd(`${prefix}z`, ...Array.from({ length: 300 }, (_, i) => [i, `z${i}`]).flat());
    expect((await collect(c.zscanStream(`${prefix}z`))).length).toBe(600);
  });

  it('duplicate(): a client of its own, independent of the original', async () => {
    const c = clientOf(kind);
    const d = c.duplicate();
    cleanups.push(() => d.disconnect());
    expect(await d.set('dup', '1')).toBe('OK');
    expect(await c.get('dup')).toBe('1');
    expect(await d.client('ID')).not.toBe(await c.client('ID'));
    expect(d.options.port).toBe(server.port);
    await d.quit();
    expect(await c.get('dup')).toBe('1');
  });

  it('quit() and disconnect() close the client; connect() brings it back', async () => {
    const c = clientOf(kind);
    await c.ping();
    expect(await c.quit()).toBe('OK');
    await waitFor(() => c.status === 'end');
    const err = await c.get('k').catch((e: unknown) => e);
    // DIFF: typed errors. ioredis says "Connection is closed."; rr.client rejects with ClientClosedError.
    if (kind === 'ioredis') expect((err as Error).message).toBe('Connection is closed.');
    else expect((err as { code?: string }).code).toBe('ERR_CLIENT_CLOSED');
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
    await waitFor(() => c.status === 'end');
    await c.connect();
    expect(await c.ping()).toBe('PONG');
  });

  it('monitor(): a connection that emits every command the server runs', async () => {
    const c = clientOf(kind);
    const m = await c.monitor();
    cleanups.push(() => m.disconnect());
    const seen: unknown[][] = [];
    m.on('monitor', (...a: unknown[]) => seen.push(a));
    await waitFor(async () => {
      await publisher.get('watched-by-monitor');
      return seen.some(([, args]) => (args as string[]).join(' ') === 'get watched-by-monitor');
    });
    const [time, , source, database] = seen.find(([, args]) => (args as string[])[0] === 'get')!;
    expect(Number(time)).toBeGreaterThan(0);
    expect(String(source)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(database).toBe('0');
  });

  it('multi({ pipeline: false }) sends MULTI now, commands are QUEUED, exec() returns their results', async () => {
    const c = clientOf(kind);
    expect(await c.multi({ pipeline: false })).toBe('OK');
    expect(await c.set('mp', '1')).toBe('QUEUED');
    expect(await c.incr('mp')).toBe('QUEUED');
    expect(await c.exec()).toEqual([
      [null, 'OK'],
      [null, 2],
    ]);
    expect(await c.get('mp')).toBe('2');
  });

  it('pipeline() and multi() keep ioredis results, command errors in their entries', async () => {
    const c = clientOf(kind);
    await c.set('str', 'x');
    const res = await c.pipeline().set('p', '1').lpush('str', 'y').get('p').exec();
    expect(res![0]).toEqual([null, 'OK']);
    expect((res![1]![0] as Error).message).toMatch(/^WRONGTYPE/);
    expect(res![2]).toEqual([null, '1']);
    expect(await c.multi().incr('m').incr('m').exec()).toEqual([
      [null, expect.any(Number)],
      [null, expect.any(Number)],
    ]);
  });

  it('WATCH … MULTI … EXEC: a watched key changed elsewhere aborts the transaction (null)', async () => {
    const c = clientOf(kind);
    await c.set('bal', '10');
    expect(await c.watch('bal')).toBe('OK');
    await publisher.set('bal', '20');
    expect(await c.multi().set('bal', '7').exec()).toBeNull();
    expect(await c.get('bal')).toBe('20');
    await c.watch('bal');
    expect(await c.multi().set('bal', '7').exec()).toEqual([[null, 'OK']]);
  });

  it('DIFF: a WATCH that Redis dropped with its connection: ioredis sends EXEC unguarded, rr.client aborts', async () => {
    const c = clientOf(kind);
    let readies = 0;
    c.on('ready', () => readies++);
    await c.set('acct', '10');
    expect(await c.watch('acct')).toBe('OK');
    const id = String(await c.client('ID'));
    const before = readies;
    await publisher.client('KILL', 'ID', id);
    await waitFor(() => readies > before, { message: 'reconnected' });
    await publisher.set('acct', '20');
    const exec = c.multi().set('acct', '7').exec();
    if (kind === 'ioredis') {
      // The WATCH went with the old connection: EXEC succeeds, and the write made elsewhere is lost.
      expect(await exec).toEqual([[null, 'OK']]);
      expect(await c.get('acct')).toBe('7');
    } else {
      const err = await exec.catch((e: unknown) => e);
      expect(isRedisUnavailableError(err)).toBe(true);
      expect((err as { sent?: boolean }).sent).toBe(false);
      expect((err as Error).message).toMatch(/connection was lost after WATCH/);
      expect(await c.get('acct')).toBe('20');
    }
    // The next transaction starts afresh.
    await c.watch('acct');
    expect(await c.multi().set('acct', '8').exec()).toEqual([[null, 'OK']]);
  });

  it('a blocking BLPOP gets its element; DIFF: on rr.client it does not hold up the commands after it', async () => {
    const c = clientOf(kind);
    await c.set('other', 'ok');
    const order: string[] = [];
    const popped = c.blpop(`q:${kind}`, 5).then((v) => {
      order.push('blpop');
      return v;
    });
    await new Promise((r) => setImmediate(r));
    const got = c.get('other').then((v) => {
      order.push('get');
      return v;
    });
    // Push only once BLPOP blocks on the server (it shows as a blocked client).
    await waitFor(async () => /blocked_clients:1/.test(await publisher.info('clients')));
    await publisher.rpush(`q:${kind}`, 'job');
    expect(await popped).toEqual([`q:${kind}`, 'job']);
    expect(await got).toBe('ok');
    // ioredis queues GET behind BLPOP on its one connection; rr.client runs BLPOP on a connection of its own.
    expect(order).toEqual(kind === 'ioredis' ? ['blpop', 'get'] : ['get', 'blpop']);
  });

  it('command errors pass through as ioredis raises them; callbacks, call() and sendCommand() work', async () => {
    const c = clientOf(kind);
    await c.set('s', 'x');
    const err = await c.lpush('s', 'y').catch((e: unknown) => e);
    expect((err as Error).name).toBe('ReplyError');
    expect(isRedisUnavailableError(err)).toBe(false);
    expect(await c.call('SET', 'viaCall', 'v')).toBe('OK');
    expect(await c.callBuffer('GET', 'viaCall')).toEqual(Buffer.from('v'));
    const cmd = new Command('get', ['viaCall'], { replyEncoding: 'utf8' });
    void c.sendCommand(cmd);
    expect(await cmd.promise).toBe('v');
    const viaCallback = await new Promise((resolve, reject) =>
      c.get('viaCall', (e, v) => (e ? reject(e) : resolve(v))),
    );
    expect(viaCallback).toBe('v');
    expect(c.getBuiltinCommands()).toContain('get');
    c.addBuiltinCommand('echo');
    expect(await (c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>).echo!('hi')).toBe('hi');
  });
});

describe('rr.client against the Redis class', () => {
  it('has every public member an ioredis Redis has at run time (the type says it is one)', async () => {
    const ref = new Redis({ lazyConnect: true });
    const names = new Set<string>();
    for (let o: object | null = ref; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const n of Object.getOwnPropertyNames(o)) names.add(n);
    }
    // Members Redis.d.ts declares private are not part of the type's public surface.
    const dts = path.join(path.dirname(createRequire(import.meta.url).resolve('ioredis')), 'Redis.d.ts');
    const privates = new Set([...readFileSync(dts, 'utf8').matchAll(/private (?:static )?(\w+)/g)].map((m) => m[1]));
    const rr = init({ redis: server.url, tracing: false });
    cleanups.push(() => rr.close());
    const missing = [...names].filter((n) => n !== 'constructor' && !privates.has(n) && !(n in rr.client));
    expect(missing).toEqual([]);
    expect(privates.size).toBeGreaterThan(10);
    ref.disconnect();
  });
});
