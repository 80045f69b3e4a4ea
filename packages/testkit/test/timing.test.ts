import { describe, expect, it } from 'vitest';
import { percentile } from '../src/index.js';

describe('percentile', () => {
  it('is the nearest-rank value of the sorted samples', () => {
    const samples = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 90)).toBe(9);
    expect(percentile(samples, 91)).toBe(10);
    expect(percentile(samples, 100)).toBe(10);
    expect(percentile(samples, 1)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(samples).toEqual([9, 1, 8, 2, 7, 3, 6, 4, 5, 10]); // not sorted in place
  });

  it('rejects no samples and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 0)).toThrow(/got 0/);
    expect(() => percentile([1], 101)).toThrow(/got 101/);
    expect(() => percentile([1], Number.NaN)).toThrow(/got NaN/);
  });
});
