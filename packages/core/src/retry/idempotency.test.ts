import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../options/index.js';
import { commandRetrySafety } from './idempotency.js';

const defaults: ReadonlySet<string> = new Set(DEFAULTS.retry.idempotentWrites);
const safety = (name: string, ...args: unknown[]) => commandRetrySafety(name, args, defaults);

describe('commandRetrySafety: reads', () => {
  it.each([
    ['get', ['k']],
    ['hgetall', ['h']],
    ['exists', ['a', 'b']],
    ['mget', ['a', 'b']],
    ['zrange', ['z', 0, -1]],
    ['xread', ['STREAMS', 's', '0']],
  ])('%s is safe (readonly in @ioredis/commands)', (name, args) => {
    expect(safety(name, ...args)).toBe('safe');
  });

  it('a read stays safe even with an empty idempotent list', () => {
    expect(commandRetrySafety('get', ['k'], new Set())).toBe('safe');
  });
});

describe('commandRetrySafety: non-idempotent writes', () => {
  it.each([
    ['incr', ['n']],
    ['incrby', ['n', 5]],
    ['lpush', ['l', 'a']],
    ['rpush', ['l', 'a']],
    ['hincrby', ['h', 'f', 1]],
    ['append', ['k', 'x']],
    ['lpop', ['l']],
    ['blpop', ['l', 5]],
    ['xreadgroup', ['GROUP', 'g', 'c', 'STREAMS', 's', '>']],
  ])('%s is unsafe', (name, args) => {
    expect(safety(name, ...args)).toBe('unsafe');
  });
});

describe('commandRetrySafety: SET', () => {
  it.each([
    [['k', 'v']],
    [['k', 'v', 'EX', 10]],
    [['k', 'v', 'PX', '1500', 'KEEPTTL']],
    // The value itself may read like an option: only arguments after it count.
    [['k', 'NX']],
    [['k', 'GET']],
  ])('SET %j is safe', (args) => {
    expect(safety('set', ...args)).toBe('safe');
  });

  it.each([
    [['k', 'v', 'NX']],
    [['k', 'v', 'XX']],
    [['k', 'v', 'GET']],
    [['k', 'v', 'nx']],
    [['k', 'v', 'xX']],
    [['k', 'v', 'get']],
    [['k', 'v', 'EX', 10, 'NX']],
    [['k', 'v', 'XX', 'GET', 'PX', 100]],
  ])('SET %j is unsafe', (args) => {
    expect(safety('set', ...args)).toBe('unsafe');
  });

  it('SET is checked by its arguments even when listed as idempotent', () => {
    expect(commandRetrySafety('set', ['k', 'v', 'NX'], new Set(['set']))).toBe('unsafe');
  });

  it('a Buffer option counts too', () => {
    expect(safety('set', 'k', 'v', Buffer.from('NX'))).toBe('unsafe');
  });
});

describe('commandRetrySafety: the idempotent-writes list', () => {
  it.each([
    ['del', ['k']],
    ['unlink', ['a', 'b']],
    ['expire', ['k', 10]],
    ['hset', ['h', 'f', 'v']],
    ['sadd', ['s', 'm']],
    ['mset', ['a', '1', 'b', '2']],
  ])('%s is safe by default', (name, args) => {
    expect(safety(name, ...args)).toBe('safe');
  });

  it('uses the list from the options, not a hand list of its own', () => {
    expect(commandRetrySafety('del', ['k'], new Set())).toBe('unsafe');
    expect(commandRetrySafety('incr', ['n'], new Set(['incr']))).toBe('safe');
    expect(commandRetrySafety('lpush', ['l', 'a'], new Set(['incr']))).toBe('unsafe');
  });

  it('a user list cannot make an unknown command safe', () => {
    expect(commandRetrySafety('frobnicate', ['k'], new Set(['frobnicate']))).toBe('unsafe');
  });
});

describe('commandRetrySafety: XADD', () => {
  it.each([
    [['s', '*', 'f', 'v']],
    [['s', 'NOMKSTREAM', '*', 'f', 'v']],
    [['s', 'MAXLEN', '~', 1000, '*', 'f', 'v']],
    [['s', 'MAXLEN', 1000, '*', 'f', 'v']],
    [['s', 'maxlen', '=', '1000', '*', 'f', 'v']],
    [['s', 'MINID', '~', '1700000000000-0', 'LIMIT', 100, '*', 'f', 'v']],
    [['s', 'NOMKSTREAM', 'MAXLEN', '~', 1000, '*', 'f', 'v']],
    [['s']],
  ])('XADD %j (auto id) is unsafe', (args) => {
    expect(safety('xadd', ...args)).toBe('unsafe');
  });

  it.each([
    [['s', '1700000000000-0', 'f', 'v']],
    [['s', 'NOMKSTREAM', '1700000000000-1', 'f', 'v']],
    [['s', 'MAXLEN', '~', 1000, '1700000000000-2', 'f', 'v']],
    [['s', 'MAXLEN', '1000', '5-0', 'f', 'v']],
    [['s', 'nomkstream', 'maxlen', '~', '1000', 'LIMIT', '10', '7-0', 'f', 'v']],
  ])('XADD %j (explicit id) is safe', (args) => {
    expect(safety('xadd', ...args)).toBe('safe');
  });

  it('XADD with an explicit id is safe even when not in the list', () => {
    expect(commandRetrySafety('xadd', ['s', '1-1', 'f', 'v'], new Set())).toBe('safe');
  });
});

describe('commandRetrySafety: unknown commands', () => {
  it.each(['frobnicate', 'my.module.cmd', ''])('%j is unsafe', (name) => {
    expect(safety(name, 'k')).toBe('unsafe');
  });
});

describe('commandRetrySafety: writes that only look idempotent', () => {
  const defaults = new Set(DEFAULTS.retry.idempotentWrites);
  it('GETDEL is unsafe: a repeat after a lost reply returns nil and the value is gone', () => {
    expect(commandRetrySafety('getdel', ['k'], defaults)).toBe('unsafe');
  });
  it('EXPIRE with NX/XX/GT/LT is unsafe; plain EXPIRE stays safe', () => {
    expect(commandRetrySafety('expire', ['k', 10, 'NX'], defaults)).toBe('unsafe');
    expect(commandRetrySafety('expire', ['k', 10], defaults)).toBe('safe');
  });
});
