import { describe, expect, it } from 'vitest';
import type { Classification } from '../errors/types.js';
import { RetryBudget } from './budget.js';
import { type RetryConfig, RetryPolicy } from './retry.js';

const CONFIG: RetryConfig = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 'none', deadlineMs: 3000 };
const c = (over: Partial<Classification> = {}): Classification => ({
  category: 'connection',
  type: 'reset',
  provenNotExecuted: false,
  retryable: true,
  countsAsFailure: true,
  ...over,
});
const safe = () => true;
const unsafe = () => false;

describe('RetryPolicy.next', () => {
  const policy = new RetryPolicy(CONFIG, undefined);

  it('retries a retryable failure after the backoff delay (the first retry uses an exponent of zero)', () => {
    expect(policy.next(c(), 1, safe, 0, 3000)).toEqual({ retry: true, delayMs: 100 });
    expect(policy.next(c(), 2, safe, 0, 3000)).toEqual({ retry: true, delayMs: 200 });
  });

  it('stops at maxAttempts, the first attempt included', () => {
    expect(policy.next(c(), 3, safe, 0, 3000)).toEqual({ retry: false, reason: 'attempts' });
  });

  it('never retries what the classifier says another attempt cannot help', () => {
    expect(policy.next(c({ type: 'auth', retryable: false }), 1, safe, 0, 3000)).toEqual({
      retry: false,
      reason: 'not_retryable',
    });
  });

  it('repeats a command that may have run only when repeating it is harmless', () => {
    expect(policy.next(c(), 1, unsafe, 0, 3000)).toEqual({ retry: false, reason: 'unsafe' });
    // Provably never executed: even a non-idempotent write may go again.
    expect(policy.next(c({ provenNotExecuted: true }), 1, unsafe, 0, 3000)).toEqual({ retry: true, delayMs: 100 });
  });

  it('asks about retry-safety only when the failure leaves it open', () => {
    let asked = 0;
    const ask = () => {
      asked++;
      return true;
    };
    policy.next(c({ provenNotExecuted: true }), 1, ask, 0, 3000);
    policy.next(c({ retryable: false }), 1, ask, 0, 3000);
    expect(asked).toBe(0);
    policy.next(c(), 1, ask, 0, 3000);
    expect(asked).toBe(1);
  });

  it('stops when the delay would reach the deadline', () => {
    expect(policy.next(c(), 1, safe, 2899, 3000)).toEqual({ retry: true, delayMs: 100 });
    expect(policy.next(c(), 1, safe, 2900, 3000)).toEqual({ retry: false, reason: 'deadline' });
  });

  it('stops when the retry budget is spent, and counts each granted retry', () => {
    const clock = { now: () => 0 };
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 1, windowMs: 2000 }, clock);
    const withBudget = new RetryPolicy(CONFIG, budget);
    expect(withBudget.next(c(), 1, safe, 0, 3000).retry).toBe(true);
    expect(withBudget.next(c(), 1, safe, 0, 3000).retry).toBe(true);
    expect(withBudget.next(c(), 1, safe, 0, 3000)).toEqual({ retry: false, reason: 'budget' });
  });

  it('draws jitter from the injected random source', () => {
    const jittered = new RetryPolicy({ ...CONFIG, jitter: 'full' }, undefined, () => 0.25);
    expect(jittered.next(c(), 2, safe, 0, 3000)).toEqual({ retry: true, delayMs: 50 });
  });

  it('puts the deadline deadlineMs after the start', () => {
    expect(policy.deadline(500)).toBe(3500);
  });
});
