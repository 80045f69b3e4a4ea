import { describe, expect, it } from 'vitest';
import { RetryBudget, type RetryBudgetConfig } from './budget.js';

function setup(config: RetryBudgetConfig, start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return { budget: new RetryBudget(config, clock), clock };
}

/** Takes retries until one is refused (bounded), returning how many were granted. */
function drain(budget: RetryBudget, limit = 10_000): number {
  let n = 0;
  while (n < limit && budget.tryAcquire()) n++;
  return n;
}

describe('RetryBudget floor (minPerSecond)', () => {
  it('allows minPerSecond × window seconds retries with no traffic, then refuses', () => {
    const { budget } = setup({ ratio: 0.2, minPerSecond: 2, windowMs: 5000 });
    for (let i = 0; i < 10; i++) expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('allows nothing with a zero floor and no calls', () => {
    const { budget } = setup({ ratio: 0.2, minPerSecond: 0, windowMs: 1000 });
    expect(budget.tryAcquire()).toBe(false);
  });

  it('uses the documented defaults: 10/s over 10 s is 100 retries', () => {
    const { budget } = setup({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 });
    expect(drain(budget)).toBe(100);
  });

  it('does not count a refused retry', () => {
    const { budget, clock } = setup({ ratio: 0, minPerSecond: 1, windowMs: 1000 });
    expect(budget.tryAcquire()).toBe(true);
    for (let i = 0; i < 50; i++) expect(budget.tryAcquire()).toBe(false);
    clock.t += 1000;
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });
});

describe('RetryBudget ratio', () => {
  it('allows ratio × calls on top of the floor', () => {
    const { budget } = setup({ ratio: 0.2, minPerSecond: 1, windowMs: 1000 });
    expect(drain(budget)).toBe(1);
    for (let i = 0; i < 100; i++) budget.recordCall();
    expect(drain(budget)).toBe(20);
  });

  it('grows with traffic', () => {
    const { budget } = setup({ ratio: 0.5, minPerSecond: 0, windowMs: 1000 });
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('rounds a fractional allowance down', () => {
    const { budget } = setup({ ratio: 0.1, minPerSecond: 0, windowMs: 1000 });
    for (let i = 0; i < 19; i++) budget.recordCall();
    expect(drain(budget)).toBe(1);
  });

  it('counts calls spread over the window', () => {
    const { budget, clock } = setup({ ratio: 1, minPerSecond: 0, windowMs: 1000 });
    for (let i = 0; i < 5; i++) {
      budget.recordCall();
      clock.t += 150;
    }
    expect(drain(budget)).toBe(5);
  });
});

describe('RetryBudget sliding window', () => {
  it('forgets calls older than windowMs', () => {
    const { budget, clock } = setup({ ratio: 1, minPerSecond: 0, windowMs: 1000 });
    for (let i = 0; i < 10; i++) budget.recordCall();
    clock.t += 999;
    expect(budget.tryAcquire()).toBe(true);
    clock.t += 1;
    expect(budget.tryAcquire()).toBe(false);
  });

  it('frees spent retries once they leave the window', () => {
    const { budget, clock } = setup({ ratio: 0, minPerSecond: 3, windowMs: 1000 });
    expect(drain(budget)).toBe(3);
    clock.t += 999;
    expect(budget.tryAcquire()).toBe(false);
    clock.t += 1;
    expect(drain(budget)).toBe(3);
  });

  it('expires bucket by bucket, not all at once', () => {
    const { budget, clock } = setup({ ratio: 0, minPerSecond: 4, windowMs: 1000 });
    // Two retries in the first 100 ms bucket, two in the sixth.
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(true);
    clock.t += 500;
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    // At 1000 ms the first bucket is gone: two retries free up, the later two still count.
    clock.t += 500;
    expect(drain(budget)).toBe(2);
    // At 1500 ms the retries taken at 500 ms expire; those taken at 1000 ms still count.
    clock.t += 500;
    expect(drain(budget)).toBe(2);
  });

  it('keeps time correctly across many small steps', () => {
    const { budget, clock } = setup({ ratio: 1, minPerSecond: 0, windowMs: 1000 });
    budget.recordCall();
    for (let i = 0; i < 99; i++) {
      clock.t += 10;
      budget.tryAcquire();
    }
    // 990 ms after the call: still in the window (and its retry was already taken).
    expect(budget.tryAcquire()).toBe(false);
    budget.recordCall();
    clock.t += 10;
    // 1000 ms after the first call it has expired, the second one remains.
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('a long idle gap resets everything', () => {
    const { budget, clock } = setup({ ratio: 0.5, minPerSecond: 1, windowMs: 2000 });
    for (let i = 0; i < 40; i++) budget.recordCall();
    expect(drain(budget)).toBe(22);
    clock.t += 3_600_000;
    expect(drain(budget)).toBe(2);
    for (let i = 0; i < 4; i++) budget.recordCall();
    expect(drain(budget)).toBe(2);
  });

  it('tolerates a fractional clock (performance.now)', () => {
    const { budget, clock } = setup({ ratio: 0, minPerSecond: 1, windowMs: 1000 }, 12.345678);
    expect(budget.tryAcquire()).toBe(true);
    clock.t += 999.9;
    expect(budget.tryAcquire()).toBe(false);
    clock.t += 0.2;
    expect(budget.tryAcquire()).toBe(true);
  });
});
