import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fake-clock.js';
import { OfflineQueue } from './offline-queue.js';

function setup(max = 3) {
  const clock = new FakeClock();
  const lengths: number[] = [];
  const queue = new OfflineQueue<string>(clock, max, (n) => lengths.push(n));
  return { clock, queue, lengths };
}

const outcome = (p: Promise<void>) =>
  p.then(
    () => 'woken',
    (e: unknown) => (e as Error).message,
  );

describe('OfflineQueue', () => {
  it('lets a waiter go when woken, and reports the length each time it changes', async () => {
    const { clock, queue, lengths } = setup();
    const w = outcome(queue.wait('get', undefined, 1000, () => new Error('timed out')));
    expect(queue.length).toBe(1);
    queue.wake(() => true);
    expect(await w).toBe('woken');
    expect(queue.length).toBe(0);
    expect(lengths).toEqual([1, 0]);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the caller-built error after waitMs, never earlier', async () => {
    const { clock, queue } = setup();
    const w = outcome(queue.wait('get', undefined, 1000, () => new Error('no connection within 1000 ms')));
    await clock.advance(999);
    expect(queue.length).toBe(1);
    await clock.advance(1);
    expect(await w).toBe('no connection within 1000 ms');
    expect(queue.length).toBe(0);
  });

  it('is full at max waiters', () => {
    const { queue } = setup(2);
    void queue.wait('a', undefined, 1000, () => new Error('x')).catch(() => {});
    expect(queue.full).toBe(false);
    void queue.wait('b', undefined, 1000, () => new Error('x')).catch(() => {});
    expect(queue.full).toBe(true);
  });

  it('wakes only the waiters a connection can serve: shared ones, or the lease that targets it', async () => {
    const { queue } = setup();
    const shared = outcome(queue.wait('get', undefined, 1000, () => new Error('x')));
    const leased = outcome(queue.wait('blpop', 'conn-2', 1000, () => new Error('x')));
    queue.wake((w) => w.target === 'conn-2');
    expect(await leased).toBe('woken');
    expect(queue.length).toBe(1);
    queue.wake((w) => w.target === undefined);
    expect(await shared).toBe('woken');
  });

  it('fails the selected waiters with the error built for each, and stops their timers', async () => {
    const { clock, queue } = setup();
    const a = outcome(queue.wait('get', undefined, 1000, () => new Error('x')));
    const b = outcome(queue.wait('set', undefined, 1000, () => new Error('x')));
    queue.fail(
      (w) => w.operation === 'get',
      (w) => new Error(`${w.operation} not sent`),
    );
    expect(await a).toBe('get not sent');
    expect(queue.length).toBe(1);
    expect(clock.pending).toBe(1);
    queue.fail(
      () => true,
      () => new Error('closed'),
    );
    expect(await b).toBe('closed');
    expect(clock.pending).toBe(0);
  });
});
