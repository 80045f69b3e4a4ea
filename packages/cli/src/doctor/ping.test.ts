import { expect, it } from 'vitest';
import { percentile } from './ping.js';

it('percentile uses the nearest rank', () => {
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  expect(percentile(twenty, 50)).toBe(10);
  expect(percentile(twenty, 99)).toBe(20);
  expect(percentile([5], 99)).toBe(5);
  expect(percentile([], 50)).toBeNaN();
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(hundred, 99)).toBe(99);
});
