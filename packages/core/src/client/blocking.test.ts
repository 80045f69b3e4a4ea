import { describe, expect, it } from 'vitest';
import { blockingTimeoutMs } from './blocking.js';

describe('blockingTimeoutMs: list and sorted-set commands (seconds)', () => {
  it.each<[string, unknown[], number]>([
    ['blpop', ['k', 5], 5000],
    ['blpop', ['k', '5'], 5000],
    ['blpop', ['a', 'b', 'c', 2], 2000],
    ['brpop', ['k', 1], 1000],
    ['brpoplpush', ['src', 'dst', 3], 3000],
    ['blmove', ['src', 'dst', 'LEFT', 'RIGHT', 1.5], 1500],
    ['bzpopmin', ['k', 0.5], 500],
    ['bzpopmax', ['k', '0.25'], 250],
    ['blmpop', [2, 1, 'k', 'LEFT'], 2000],
    ['blmpop', ['0.1', 2, 'a', 'b', 'RIGHT', 'COUNT', 10], 100],
    ['bzmpop', [1, 1, 'z', 'MIN'], 1000],
  ])('%s %j blocks up to %d ms', (name, args, ms) => {
    expect(blockingTimeoutMs(name, args)).toBe(ms);
  });

  it.each<[string, unknown[]]>([
    ['blpop', ['k', 0]],
    ['brpoplpush', ['src', 'dst', '0']],
    ['blmpop', [0, 1, 'k', 'LEFT']],
  ])('%s %j blocks forever (0)', (name, args) => {
    expect(blockingTimeoutMs(name, args)).toBe(0);
  });

  it('rounds sub-millisecond timeouts up', () => {
    expect(blockingTimeoutMs('blpop', ['k', 0.0001])).toBe(1);
  });

  it('returns undefined for a timeout that is not a non-negative number', () => {
    expect(blockingTimeoutMs('blpop', ['k', 'soon'])).toBeUndefined();
    expect(blockingTimeoutMs('blpop', ['k', -1])).toBeUndefined();
    expect(blockingTimeoutMs('blpop', ['k', Number.POSITIVE_INFINITY])).toBeUndefined();
    expect(blockingTimeoutMs('blpop', [])).toBeUndefined();
  });
});

describe('blockingTimeoutMs: XREAD / XREADGROUP (milliseconds)', () => {
  it('XREAD BLOCK 100 STREAMS s $ blocks 100 ms', () => {
    expect(blockingTimeoutMs('xread', ['BLOCK', 100, 'STREAMS', 's', '$'])).toBe(100);
  });

  it('finds BLOCK after COUNT and in lower case', () => {
    expect(blockingTimeoutMs('xread', ['COUNT', 10, 'block', '2500', 'STREAMS', 's', '0'])).toBe(2500);
  });

  it('XREAD BLOCK 0 blocks forever', () => {
    expect(blockingTimeoutMs('xread', ['BLOCK', 0, 'STREAMS', 's', '$'])).toBe(0);
  });

  it('XREAD without BLOCK does not block', () => {
    expect(blockingTimeoutMs('xread', ['STREAMS', 's', '0'])).toBeUndefined();
    expect(blockingTimeoutMs('xread', ['COUNT', 5, 'STREAMS', 's', '0'])).toBeUndefined();
  });

  it('XREADGROUP GROUP g c BLOCK 750 blocks 750 ms', () => {
    expect(blockingTimeoutMs('xreadgroup', ['GROUP', 'g', 'c', 'BLOCK', 750, 'STREAMS', 's', '>'])).toBe(750);
    expect(blockingTimeoutMs('xreadgroup', ['GROUP', 'g', 'c', 'STREAMS', 's', '>'])).toBeUndefined();
  });
});

describe('blockingTimeoutMs: WAIT / WAITAOF (milliseconds)', () => {
  it('WAIT 1 250 blocks 250 ms', () => {
    expect(blockingTimeoutMs('wait', [1, 250])).toBe(250);
  });

  it('WAIT 1 0 blocks forever', () => {
    expect(blockingTimeoutMs('wait', ['1', '0'])).toBe(0);
  });

  it('WAITAOF 1 0 300 blocks 300 ms', () => {
    expect(blockingTimeoutMs('waitaof', [1, 0, 300])).toBe(300);
  });
});

describe('blockingTimeoutMs: commands that never block', () => {
  it.each<[string, unknown[]]>([
    ['get', ['k']],
    ['set', ['k', '5']],
    ['lpop', ['k', 5]],
    ['xadd', ['s', '*', 'f', 'v']],
    ['frobnicate', ['k', 5]],
  ])('%s %j is undefined', (name, args) => {
    expect(blockingTimeoutMs(name, args)).toBeUndefined();
  });
});

describe('blockingTimeoutMs: option parsing stops at STREAMS', () => {
  it('does not read a stream named "block" as the BLOCK option', () => {
    expect(blockingTimeoutMs('xread', ['STREAMS', 'block', '0'])).toBeUndefined();
    expect(blockingTimeoutMs('xread', ['COUNT', 1, 'BLOCK', 20, 'STREAMS', 'block', '$'])).toBe(20);
  });
});
