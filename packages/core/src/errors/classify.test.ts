import { createRequire } from 'node:module';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  type Classification,
  classifyError,
  connectionErrorType,
  type ErrorType,
  isFailure,
  isRetryableType,
} from './classify.js';
import {
  CircuitOpenError,
  ClientClosedError,
  CommandTimeoutError,
  InvalidOptionsError,
  OfflineQueueFullError,
  RedisUnavailableError,
  RetriesExhaustedError,
} from './errors.js';

// The error classes exactly as ioredis builds them (redis-errors is ioredis's own dependency).
const ioredisRequire = createRequire(createRequire(import.meta.url).resolve('ioredis'));
const { MaxRetriesPerRequestError } = ioredisRequire('./errors/index.js') as {
  MaxRetriesPerRequestError: new (n: number) => Error;
};
const ClusterAllFailedError = (
  ioredisRequire('./errors/ClusterAllFailedError.js') as {
    default: new (message: string, lastNodeError?: unknown) => Error;
  }
).default;
const redisErrors = ioredisRequire('redis-errors') as {
  AbortError: new (message: string) => Error;
  ParserError: new (message: string, buffer: string, offset: number) => Error;
};

const reply = (message: string): Error => new (ReplyError as new (m: string) => Error)(message);

/** A Node socket error, shaped like the ones `net`, `dns` and `tls` emit. */
function sysError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

/** The three facts each case pins; retryability and breaker effect are pinned per type below. */
type Facts = Pick<Classification, 'category' | 'type' | 'provenNotExecuted'>;
const expectClass = (err: unknown, expected: Facts) => expect(classifyError(err)).toMatchObject(expected);

describe('the realistic error fixtures', () => {
  it('carry the names ioredis gives them', () => {
    expect(reply('ERR x').name).toBe('ReplyError');
    expect(new MaxRetriesPerRequestError(1).name).toBe('MaxRetriesPerRequestError');
    expect(new redisErrors.AbortError('x').name).toBe('AbortError');
    expect(new ClusterAllFailedError('x').name).toBe('ClusterAllFailedError');
  });
});

describe('classifyError: Node socket errors', () => {
  it('ECONNREFUSED is refused and proves the command was not executed', () => {
    expectClass(
      sysError('connect ECONNREFUSED 127.0.0.1:1', {
        code: 'ECONNREFUSED',
        errno: -111,
        syscall: 'connect',
        address: '127.0.0.1',
        port: 1,
      }),
      { category: 'connection', type: 'refused', provenNotExecuted: true },
    );
  });

  it.each([
    ['connect EHOSTUNREACH 10.255.255.1:6379', 'EHOSTUNREACH', -113],
    ['connect ENETUNREACH 10.255.255.1:6379', 'ENETUNREACH', -101],
  ])('%s is refused', (message, code, errno) => {
    expectClass(sysError(message, { code, errno, syscall: 'connect' }), {
      category: 'connection',
      type: 'refused',
      provenNotExecuted: true,
    });
  });

  it.each([
    ['getaddrinfo ENOTFOUND nohost', 'ENOTFOUND', -3008],
    ['getaddrinfo EAI_AGAIN redis.internal', 'EAI_AGAIN', -3001],
  ])('%s is dns and proves the command was not executed', (message, code, errno) => {
    expectClass(sysError(message, { code, errno, syscall: 'getaddrinfo', hostname: 'nohost' }), {
      category: 'connection',
      type: 'dns',
      provenNotExecuted: true,
    });
  });

  it('ECONNRESET is reset and may have executed', () => {
    expectClass(sysError('read ECONNRESET', { code: 'ECONNRESET', errno: -104, syscall: 'read' }), {
      category: 'connection',
      type: 'reset',
      provenNotExecuted: false,
    });
  });

  it('EPIPE is reset and may have executed', () => {
    expectClass(sysError('write EPIPE', { code: 'EPIPE', errno: -32, syscall: 'write' }), {
      category: 'connection',
      type: 'reset',
      provenNotExecuted: false,
    });
  });

  it('ETIMEDOUT is timeout and may have executed', () => {
    expectClass(sysError('connect ETIMEDOUT', { code: 'ETIMEDOUT', errno: -110, syscall: 'connect' }), {
      category: 'connection',
      type: 'timeout',
      provenNotExecuted: false,
    });
  });

  it.each([
    [
      "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames",
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    ['self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'],
    ['certificate has expired', 'CERT_HAS_EXPIRED'],
    ['unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['error:0A00010B:SSL routines::wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'],
  ])('TLS failure %s (%s) is tls', (message, code) => {
    expectClass(sysError(message, { code }), { category: 'connection', type: 'tls', provenNotExecuted: true });
  });

  it('the code wins over a message that reads like another failure', () => {
    expect(
      classifyError(
        sysError('Client network socket disconnected before secure TLS connection was established', {
          code: 'ECONNRESET',
        }),
      ).type,
    ).toBe('reset');
  });

  it('an unrecognised code falls back to the message', () => {
    expectClass(sysError('Connection is closed.', { code: 'ESOMETHING' }), {
      category: 'connection',
      type: 'closed',
      provenNotExecuted: false,
    });
    expectClass(sysError('boom', { code: 'ESOMETHING' }), {
      category: 'unknown',
      type: 'other',
      provenNotExecuted: false,
    });
  });

  it('getaddrinfo in the message alone is dns', () => {
    expect(classifyError(new Error('getaddrinfo ENOTFOUND nohost')).type).toBe('dns');
  });
});

describe('classifyError: ioredis client errors', () => {
  it('"Connection is closed." is closed and may have executed', () => {
    expectClass(new Error('Connection is closed.'), {
      category: 'connection',
      type: 'closed',
      provenNotExecuted: false,
    });
  });

  it('the offline-queue-disabled rejection is closed and proves not executed', () => {
    expectClass(new Error("Stream isn't writeable and enableOfflineQueue options is false"), {
      category: 'connection',
      type: 'closed',
      provenNotExecuted: true,
    });
  });

  it('an AbortError for a connection close is closed and may have executed', () => {
    expectClass(new redisErrors.AbortError('Command aborted due to connection close'), {
      category: 'connection',
      type: 'closed',
      provenNotExecuted: false,
    });
  });

  it('MaxRetriesPerRequestError is max_retries', () => {
    expectClass(new MaxRetriesPerRequestError(20), {
      category: 'connection',
      type: 'max_retries',
      provenNotExecuted: false,
    });
  });

  it('"Command timed out" is timeout', () => {
    expectClass(new Error('Command timed out'), { category: 'connection', type: 'timeout', provenNotExecuted: false });
  });

  it('cluster: no startup node is refused, all nodes failed is clusterdown', () => {
    expectClass(new Error('None of startup nodes is available'), {
      category: 'connection',
      type: 'refused',
      provenNotExecuted: true,
    });
    expectClass(new ClusterAllFailedError('Failed to refresh slots cache.'), {
      category: 'connection',
      type: 'clusterdown',
      provenNotExecuted: false,
    });
  });
});

describe('classifyError: Redis replies', () => {
  it.each([
    ['NOAUTH Authentication required.'],
    ['WRONGPASS invalid username-password pair or user is disabled.'],
    ['ERR invalid password'],
    ['ERR AUTH <password> called without any password configured for the default user.'],
    ['ERR Client sent AUTH, but no password is set'],
  ])('%s is auth', (message) => {
    expectClass(reply(message), { category: 'connection', type: 'auth', provenNotExecuted: true });
  });

  it.each<[string, ErrorType]>([
    ['LOADING Redis is loading the dataset in memory', 'loading'],
    ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", 'masterdown'],
    ['CLUSTERDOWN The cluster is down', 'clusterdown'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'tryagain'],
    ["READONLY You can't write against a read only replica.", 'readonly'],
    ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.', 'busy'],
  ])('%s is a server transient that was not executed', (message, type) => {
    expectClass(reply(message), { category: 'server_transient', type, provenNotExecuted: true });
  });

  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value'],
    ['ERR syntax error'],
    ['NOSCRIPT No matching script. Please use EVAL.'],
    ['MOVED 3999 127.0.0.1:6381'],
    ['ASK 3999 127.0.0.1:6381'],
    ['ERR value is not an integer or out of range'],
    ['EXECABORT Transaction discarded because of previous errors.'],
    ["ERR unknown command 'FOO', with args beginning with: "],
  ])('%s is a command error', (message) => {
    expectClass(reply(message), { category: 'command', type: 'command_error', provenNotExecuted: false });
  });

  it('matches reply prefixes only at the start of the message', () => {
    expect(classifyError(reply("ERR Error running script: READONLY You can't write")).category).toBe('command');
  });

  it('a ParserError is read like a reply', () => {
    expect(classifyError(new redisErrors.ParserError('LOADING x', '*1\r\n', 0)).type).toBe('loading');
  });

  it('a plain Error with a reply-like message is not a reply', () => {
    expectClass(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), {
      category: 'unknown',
      type: 'other',
      provenNotExecuted: false,
    });
  });
});

describe('classifyError: this package’s own errors', () => {
  it('CircuitOpenError is unavailable/circuit_open and proves not executed', () => {
    expectClass(new CircuitOpenError('get', 'open', 'default'), {
      category: 'unavailable',
      type: 'circuit_open',
      provenNotExecuted: true,
    });
    expect(classifyError(new CircuitOpenError('get', 'half_open', 'default')).provenNotExecuted).toBe(true);
  });

  it('CommandTimeoutError was sent, so it may have executed', () => {
    expectClass(new CommandTimeoutError('incr', 1000), {
      category: 'unavailable',
      type: 'timeout',
      provenNotExecuted: false,
    });
  });

  it('a RedisUnavailableError takes its proof from `sent`', () => {
    const notSent = new RedisUnavailableError('x', {
      operation: 'get',
      errorType: 'refused',
      attempts: 0,
      sent: false,
    });
    const sent = new RedisUnavailableError('x', { operation: 'get', errorType: 'reset', attempts: 1, sent: true });
    const unknown = new RedisUnavailableError('x', { operation: 'get', errorType: 'reset', attempts: 1 });
    expectClass(notSent, { category: 'unavailable', type: 'refused', provenNotExecuted: true });
    expectClass(sent, { category: 'unavailable', type: 'reset', provenNotExecuted: false });
    expectClass(unknown, { category: 'unavailable', type: 'reset', provenNotExecuted: false });
  });

  it('OfflineQueueFullError and ClientClosedError prove not executed', () => {
    expectClass(new OfflineQueueFullError('set', 1000), {
      category: 'unavailable',
      type: 'queue_full',
      provenNotExecuted: true,
    });
    expectClass(new ClientClosedError('set'), { category: 'unavailable', type: 'closed', provenNotExecuted: true });
  });

  it('RetriesExhaustedError keeps the last error type and no proof', () => {
    expectClass(new RetriesExhaustedError('get', 3, 'refused', 'budget', new Error('x')), {
      category: 'unavailable',
      type: 'refused',
      provenNotExecuted: false,
    });
  });

  it('reads the brand, not the class, so a copy from another bundle still counts', () => {
    const foreign = Object.assign(new Error('GET rejected'), {
      [Symbol.for('redis-resilience.error')]: 'ERR_CIRCUIT_OPEN',
      errorType: 'circuit_open',
    });
    expectClass(foreign, { category: 'unavailable', type: 'circuit_open', provenNotExecuted: true });
  });

  it('an own error without errorType collapses to other', () => {
    expect(classifyError(new InvalidOptionsError('x', ['x'])).type).toBe('other');
  });
});

describe('classifyError: anything else', () => {
  it.each([undefined, null, 'ECONNREFUSED', 42, true, Symbol('x')])('%s is unknown/other', (value) => {
    expectClass(value, { category: 'unknown', type: 'other', provenNotExecuted: false });
  });

  it.each([new Error('boom'), new TypeError("Cannot read properties of undefined (reading 'x')"), {}, { code: 42 }])(
    '%s is unknown/other',
    (value) => {
      expectClass(value, { category: 'unknown', type: 'other', provenNotExecuted: false });
    },
  );

  it('reads a prototype-less object and a plain object shaped like a reply', () => {
    const weird = Object.create(null) as object;
    expect(classifyError(weird).category).toBe('unknown');
    expect(classifyError({ name: 'ReplyError', message: 'LOADING x' }).type).toBe('loading');
  });
});

describe('connectionErrorType', () => {
  const c = (type: ErrorType): Classification => ({
    category: 'connection',
    type,
    provenNotExecuted: false,
    retryable: false,
    countsAsFailure: true,
  });

  it.each<ErrorType>(['refused', 'timeout', 'reset', 'dns', 'closed', 'auth', 'tls'])('keeps %s', (type) => {
    expect(connectionErrorType(c(type))).toBe(type);
  });

  it('counts max_retries as closed', () => {
    expect(connectionErrorType(c('max_retries'))).toBe('closed');
  });

  it.each<ErrorType>([
    'other',
    'loading',
    'masterdown',
    'clusterdown',
    'tryagain',
    'readonly',
    'busy',
    'circuit_open',
    'queue_full',
    'command_error',
  ])('collapses %s to other', (type) => {
    expect(connectionErrorType(c(type))).toBe('other');
  });

  it('works end to end from a real error', () => {
    expect(connectionErrorType(classifyError(new MaxRetriesPerRequestError(1)))).toBe('closed');
    expect(connectionErrorType(classifyError(sysError('x', { code: 'EAI_AGAIN' })))).toBe('dns');
  });
});

describe('isRetryableType', () => {
  it.each<ErrorType>([
    'refused',
    'timeout',
    'reset',
    'closed',
    'max_retries',
    'dns',
    'loading',
    'masterdown',
    'clusterdown',
    'tryagain',
    'readonly',
  ])('%s is retryable', (type) => {
    expect(isRetryableType(type)).toBe(true);
  });

  it.each<ErrorType>(['auth', 'tls', 'other', 'busy', 'circuit_open', 'queue_full', 'command_error'])(
    '%s is not retryable',
    (type) => {
      expect(isRetryableType(type)).toBe(false);
    },
  );
});

describe('isFailure', () => {
  it('a command error is not a failure of Redis', () => {
    expect(isFailure(classifyError(reply('WRONGTYPE Operation against a key holding the wrong kind of value')))).toBe(
      false,
    );
    expect(isFailure(classifyError(reply('MOVED 3999 127.0.0.1:6381')))).toBe(false);
  });

  it.each([
    ['refused', sysError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' })],
    ['auth', reply('NOAUTH Authentication required.')],
    ['loading', reply('LOADING Redis is loading the dataset in memory')],
    ['timeout', new CommandTimeoutError('get', 1000)],
    ['unknown', new Error('boom')],
  ])('%s is a failure', (_label, err) => {
    expect(isFailure(classifyError(err))).toBe(true);
  });
});

describe('classifyError: TLS verification codes', () => {
  it('classifies an untrusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE) as tls by its code alone', () => {
    const err = Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(classifyError(err)).toMatchObject({ category: 'connection', type: 'tls' });
  });
});

describe('classifyError: out of memory', () => {
  it('OOM under maxmemory is not executed and not retried, and never counts against the breaker', () => {
    const err = new (ReplyError as new (m: string) => Error)("OOM command not allowed when used memory > 'maxmemory'.");
    const c = classifyError(err);
    expect(c).toEqual({
      category: 'server_transient',
      type: 'oom',
      provenNotExecuted: true,
      retryable: false,
      countsAsFailure: false,
    });
    expect(isRetryableType(c.type)).toBe(false);
    // The server answered: reads still work, so OOM on writes must not open the breaker for reads.
    expect(isFailure(c)).toBe(false);
  });

  it('READONLY (a replica, or a demoted master) is retried after a reconnect but never counts against the breaker', () => {
    const c = classifyError(
      new (ReplyError as new (m: string) => Error)("READONLY You can't write against a read only replica."),
    );
    expect(c).toMatchObject({ type: 'readonly', retryable: true, countsAsFailure: false });
  });
});

describe('classifyError: what each type means for retry and breaker', () => {
  it.each([
    ['refused', true, true],
    ['timeout', true, true],
    ['reset', true, true],
    ['closed', true, true],
    ['loading', true, true],
    ['auth', false, true],
    ['tls', false, true],
    ['busy', false, true],
    ['oom', false, false],
    ['command_error', false, false],
  ] as const)('%s: retryable %s, counts against the breaker %s', (type, retryable, counts) => {
    expect(isRetryableType(type)).toBe(retryable);
    const own = Object.assign(new Error('x'), { errorType: type });
    Object.defineProperty(own, Symbol.for('redis-resilience.error'), { value: 'ERR_REDIS_UNAVAILABLE' });
    expect(classifyError(own)).toMatchObject({ type, retryable, countsAsFailure: counts });
  });

  it('a closed client is never retried', () => {
    const own = Object.assign(new Error('x'), { errorType: 'closed' });
    Object.defineProperty(own, Symbol.for('redis-resilience.error'), { value: 'ERR_CLIENT_CLOSED' });
    expect(classifyError(own)).toMatchObject({ type: 'closed', retryable: false });
  });

  it('a missing unix socket (ENOENT) is refused: nothing listens there', () => {
    const err = Object.assign(new Error('connect ENOENT /tmp/nope.sock'), { code: 'ENOENT', syscall: 'connect' });
    expect(classifyError(err)).toMatchObject({ category: 'connection', type: 'refused', provenNotExecuted: true });
  });
});
