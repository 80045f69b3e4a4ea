import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BackoffOptions, backoffDelay } from './backoff.js';

const opts = (jitter: BackoffOptions['jitter'], baseDelayMs = 50, maxDelayMs = 1000): BackoffOptions => ({
  baseDelayMs,
  maxDelayMs,
  jitter,
});
const fixed = (v: number) => () => v;
const ALMOST_ONE = 1 - Number.EPSILON;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('backoffDelay without jitter', () => {
  it('uses an exponent of zero for the first retry', () => {
    expect(backoffDelay(1, opts('none'))).toBe(50);
  });

  it('doubles on each retry', () => {
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(r, opts('none')))).toEqual([50, 100, 200, 400, 800]);
  });

  it('caps at maxDelayMs', () => {
    expect(backoffDelay(6, opts('none'))).toBe(1000);
    expect(backoffDelay(20, opts('none'))).toBe(1000);
    expect(backoffDelay(3, opts('none', 100, 250))).toBe(250);
  });

  it('stays finite at the cap for absurd retry numbers', () => {
    expect(backoffDelay(5000, opts('none'))).toBe(1000);
  });

  it('treats retry 0 or below like the first retry', () => {
    expect(backoffDelay(0, opts('none'))).toBe(50);
    expect(backoffDelay(-3, opts('none'))).toBe(50);
  });

  it('is 0 with a zero base delay', () => {
    expect(backoffDelay(4, opts('none', 0, 1000))).toBe(0);
  });

  it('does not call random', () => {
    const random = vi.fn(() => 0.5);
    backoffDelay(2, opts('none'), random);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('backoffDelay with full jitter', () => {
  it('is random() times the exponential delay', () => {
    expect(backoffDelay(1, opts('full'), fixed(0))).toBe(0);
    expect(backoffDelay(3, opts('full'), fixed(0.5))).toBe(100);
    expect(backoffDelay(10, opts('full'), fixed(0.5))).toBe(500);
  });

  it('stays below the exponential delay for random() just under 1', () => {
    const d = backoffDelay(3, opts('full'), fixed(ALMOST_ONE));
    expect(d).toBeLessThan(200);
    expect(d).toBeGreaterThan(199.99);
  });

  it('is the default mode for an unrecognised jitter value', () => {
    expect(backoffDelay(2, { baseDelayMs: 50, maxDelayMs: 1000, jitter: 'bogus' as 'full' }, fixed(0.25))).toBe(25);
  });

  it('uses Math.random when no random is injected', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.75);
    expect(backoffDelay(2, opts('full'))).toBe(75);
  });

  it('stays within [0, delay) over many draws', () => {
    let seed = 1;
    const lcg = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let r = 1; r <= 10; r++) {
      const cap = Math.min(1000, 50 * 2 ** (r - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(r, opts('full'), lcg);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    }
  });
});

describe('backoffDelay with equal jitter', () => {
  it('is half the delay plus a random half', () => {
    expect(backoffDelay(3, opts('equal'), fixed(0))).toBe(100);
    expect(backoffDelay(3, opts('equal'), fixed(0.5))).toBe(150);
  });

  it('stays below the exponential delay for random() just under 1', () => {
    const d = backoffDelay(3, opts('equal'), fixed(ALMOST_ONE));
    expect(d).toBeGreaterThanOrEqual(100);
    expect(d).toBeLessThan(200);
  });

  it('applies the cap before jitter', () => {
    expect(backoffDelay(12, opts('equal'), fixed(0))).toBe(500);
    expect(backoffDelay(12, opts('equal'), fixed(ALMOST_ONE))).toBeLessThan(1000);
  });

  it('calls random once per delay', () => {
    const random = vi.fn(() => 0.5);
    backoffDelay(2, opts('equal'), random);
    expect(random).toHaveBeenCalledTimes(1);
  });
});
