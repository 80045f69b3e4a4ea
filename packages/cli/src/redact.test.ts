import { expect, it } from 'vitest';
import { makeRedactor } from './redact.js';

it('replaces the secret and its URL-encoded form', () => {
  const redact = makeRedactor(['p@ss word', undefined]);
  expect(redact('redis://:p%40ss%20word@h and p@ss word')).toBe('redis://:***@h and ***');
});

it('leaves short secrets alone above the minimum length', () => {
  expect(makeRedactor(['1'], 4)('p50 0.1 ms')).toBe('p50 0.1 ms');
  expect(makeRedactor(['1'])('p50 0.1 ms')).toBe('p50 0.*** ms');
});
