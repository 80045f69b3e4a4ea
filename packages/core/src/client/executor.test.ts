/**
 * The executor on a fake clock, with a fake connection whose replies the test controls: the policy order, the
 * retry decisions, the reply timeout and close(), without a server. Behaviour against real servers (faults through
 * a proxy, a killed redis-server) is in test/.
 */
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fake-clock.js';
import { recordingInstrumentation } from '../../test/helpers.js';
import { BreakerSet } from '../breaker/breakers.js';
import { batchFailure } from '../errors/classify.js';
import {
  ClientClosedError,
  isCircuitOpenError,
  isCommandTimeoutError,
  isRedisUnavailableError,
  isRetriesExhaustedError,
  RedisUnavailableError,
} from '../errors/errors.js';
import { RetryBudget } from '../retry/budget.js';
import { RetryPolicy } from '../retry/retry.js';
import { Attempts, type CallSpec } from './attempt.js';
import type { Connection } from './connection.js';
import { Executor } from './executor.js';
import type { ConnectionSource } from './pool.js';

const COMMAND_MS = 100;

interface Reply {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

function setup(opts: { volumeThreshold?: number; maxAttempts?: number; budget?: boolean } = {}) {
  const clock = new FakeClock();
  const replies: Reply[] = [];
  let ready = true;
  const stale: unknown[] = [];
  const conn = {
    client: {},
    inflight: 0,
    get ready() {
      return ready;
    },
    suspectStale: () => stale.push(conn),
  } as unknown as Connection;
  const notSent = () =>
    new RedisUnavailableError('GET not sent: Redis is not reachable (refused)', {
      operation: 'get',
      errorType: 'refused',
      attempts: 1,
      sent: false,
    });
  const source: ConnectionSource = {
    pick: () => (ready ? conn : undefined),
    waitReady: () => Promise.reject(notSent()),
  };
  const rec = recordingInstrumentation();
  const breakers = new BreakerSet(
    {
      errorThresholdPercentage: 50,
      volumeThreshold: opts.volumeThreshold ?? 1000,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 5000,
      maxResetTimeoutMs: 30_000,
      minProbeIntervalMs: 1000,
      halfOpenProbes: 1,
      enabled: true,
    },
    { probe: async () => 'PONG', clock, onTransition: () => {} },
  );
  const budget = opts.budget ? new RetryBudget({ ratio: 0, minPerSecond: 0, windowMs: 1000 }, clock) : undefined;
  const executor = new Executor({
    connections: source,
    breakerFor: () => breakers.get('default'),
    retry: new RetryPolicy(
      { maxAttempts: opts.maxAttempts ?? 3, baseDelayMs: 50, maxDelayMs: 1000, jitter: 'none', deadlineMs: 1000 },
      budget,
    ),
    attempts: new Attempts(clock, COMMAND_MS, (c) => c.suspectStale()),
    telemetry: rec.instrumentation,
    clock,
    maxWaitMs: 200,
  });
  const spec = (operation: string, retrySafe: boolean, blockMs?: number): CallSpec<unknown> => ({
    operation,
    args: [],
    isRetrySafe: () => retrySafe,
    blockMs,
    send: () => new Promise((resolve, reject) => replies.push({ resolve, reject })),
  });
  return {
    clock,
    executor,
    replies,
    rec,
    stale,
    conn,
    breakers,
    spec,
    setReady: (r: boolean) => {
      ready = r;
    },
  };
}

const settle = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );
const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const wrongType = () =>
  new (ReplyError as new (m: string) => Error)('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('Executor: the success path', () => {
  it('sends once, resolves the reply, and reports one successful attempt', async () => {
    const t = setup();
    const p = t.executor.run(t.spec('get', true));
    expect(t.replies).toHaveLength(1);
    expect(t.conn.inflight).toBe(1);
    t.replies[0]!.resolve('v');
    expect(await p).toBe('v');
    expect(t.conn.inflight).toBe(0);
    expect(t.rec.calls[0]).toMatchObject({ operation: 'get', attempts: [{ attempt: 1 }], outcome: 'success' });
    await t.clock.advance(COMMAND_MS * 2);
    expect(t.stale).toEqual([]); // the reply timeout never fired
  });
});

describe('Executor: retries', () => {
  it('a GET that times out is retried after the backoff and succeeds on the second attempt', async () => {
    const t = setup();
    const p = settle(t.executor.run(t.spec('get', true)));
    await t.clock.advance(COMMAND_MS);
    expect(t.stale).toHaveLength(1); // the silent connection is checked
    expect(t.replies).toHaveLength(1);
    await t.clock.advance(50); // first retry: 50 ms · 2⁰
    expect(t.replies).toHaveLength(2);
    t.replies[1]!.resolve('v');
    expect(await p).toEqual({ value: 'v', error: undefined });
    const call = t.rec.calls[0]!;
    expect(call.attempts).toEqual([
      { attempt: 1, errorType: 'timeout' },
      { attempt: 2, errorType: undefined },
    ]);
    expect(call.retries).toEqual([{ attempt: 1, delayMs: 50, errorType: 'timeout' }]);
    expect(call.outcome).toBe('success');
    expect(t.conn.inflight).toBe(0);
  });

  it('an INCR that may have run is never sent twice', async () => {
    const t = setup();
    const p = settle(t.executor.run(t.spec('incr', false)));
    await t.clock.advance(COMMAND_MS + 1000);
    const { error } = await p;
    expect(isCommandTimeoutError(error)).toBe(true);
    expect(t.replies).toHaveLength(1);
    expect(t.rec.calls[0]?.outcome).toBe('failure');
  });

  it('an INCR that provably never left (no connection) is retried, and fails typed once attempts run out', async () => {
    const t = setup();
    t.setReady(false);
    const p = settle(t.executor.run(t.spec('incr', false)));
    await t.clock.advance(1000);
    const { error } = await p;
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 3, errorType: 'refused' });
    expect(t.rec.calls[0]?.retries.map((r) => r.delayMs)).toEqual([50, 100]);
  });

  it('a command error passes through untouched: no retry, and the breaker hears a success', async () => {
    const t = setup({ volumeThreshold: 1 });
    const err = wrongType();
    const p = settle(t.executor.run(t.spec('get', true)));
    t.replies[0]!.reject(err);
    expect((await p).error).toBe(err);
    expect(t.replies).toHaveLength(1);
    expect(t.rec.calls[0]?.outcome).toBe('command_error');
    expect(t.breakers.get('default').state).toBe('closed');
  });

  it('stops retrying at the deadline', async () => {
    const t = setup({ maxAttempts: 20 });
    const sentAt: number[] = [];
    const spec: CallSpec<unknown> = {
      ...t.spec('get', true),
      send: () => {
        sentAt.push(t.clock.now());
        return Promise.reject(reset());
      },
    };
    const p = settle(t.executor.run(spec));
    await t.clock.advance(2000);
    const { error } = await p;
    expect(isRetriesExhaustedError(error)).toBe(true);
    // Delays 50, 100, 200, 400 fit in the 1000 ms deadline; the next (800) would not.
    expect(sentAt.map((at) => at - sentAt[0]!)).toEqual([0, 50, 150, 350, 750]);
  });

  it('a spent retry budget stops the retry and is reported', async () => {
    const t = setup({ budget: true });
    const p = settle(t.executor.run(t.spec('get', true)));
    t.replies[0]!.reject(reset());
    expect(isRedisUnavailableError((await p).error)).toBe(true);
    expect(t.replies).toHaveLength(1);
    expect(t.rec.events.of('retryBudgetExhausted')).toEqual([{ operation: 'get' }]);
  });
});

describe('Executor: the breaker', () => {
  it('once open, rejects without sending, and the call ends rejected', async () => {
    const t = setup({ volumeThreshold: 1, maxAttempts: 1 });
    const first = settle(t.executor.run(t.spec('get', true)));
    t.replies[0]!.reject(reset());
    await first;
    expect(t.breakers.get('default').state).toBe('open');
    const { error } = await settle(t.executor.run(t.spec('get', true)));
    expect(isCircuitOpenError(error)).toBe(true);
    expect(t.replies).toHaveLength(1);
    expect(t.rec.calls[1]).toMatchObject({ rejected: 'open', outcome: 'rejected', attempts: [] });
  });

  it('a retry that finds the breaker opened meanwhile ends the call as a failure', async () => {
    const t = setup({ volumeThreshold: 1 });
    const p = settle(t.executor.run(t.spec('get', true)));
    t.replies[0]!.reject(reset());
    await t.clock.advance(1000);
    const { error } = await p;
    expect(isCircuitOpenError(error)).toBe(true);
    expect(t.rec.calls[0]).toMatchObject({ rejected: 'open', outcome: 'failure' });
  });
});

describe('Executor: pipelines', () => {
  it('a batch that lost entries fails typed, with every entry kept and the lost ones typed', async () => {
    const t = setup({ maxAttempts: 1 });
    const lost = Object.assign(new Error('Connection is closed.'), { command: { name: 'incr', args: ['k'] } });
    const spec: CallSpec<unknown> = {
      ...t.spec('pipeline', false),
      send: async () => {
        const failed = batchFailure([
          [null, 'OK'],
          [lost, null],
        ]);
        throw failed;
      },
    };
    const { error } = await settle(t.executor.run(spec));
    expect(isRedisUnavailableError(error)).toBe(true);
    const results = (error as RedisUnavailableError).results!;
    expect(results[0]).toEqual([null, 'OK']);
    expect(isRedisUnavailableError(results[1]![0])).toBe(true);
    expect(results[1]![0]).toMatchObject({ errorType: 'closed', operation: 'pipeline' });
    expect(results[1]![0]!.message).toBe('INCR in PIPELINE failed: Redis unavailable (closed)');
    expect(t.rec.calls[0]?.outcome).toBe('failure');
  });
});

describe('Executor: close()', () => {
  it('settles calls in flight and between attempts at once, and refuses new ones', async () => {
    const t = setup();
    const inFlight = settle(t.executor.run(t.spec('get', true)));
    const blocking = settle(t.executor.run(t.spec('blpop', true, 0)));
    const sleeping = settle(t.executor.run(t.spec('get', true)));
    t.replies[2]!.reject(reset()); // now waiting out its backoff
    await t.clock.advance(1);
    t.executor.close();
    for (const p of [inFlight, blocking, sleeping]) {
      const { error } = await p;
      expect(error).toBeInstanceOf(ClientClosedError);
    }
    const after = await settle(t.executor.run(t.spec('get', true)));
    expect(after.error).toBeInstanceOf(ClientClosedError);
    expect(t.conn.inflight).toBe(0);
    // A reply arriving after close changes nothing.
    t.replies[0]!.resolve('late');
  });
});
