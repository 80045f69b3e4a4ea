import { type DiagLogger, DiagLogLevel, diag, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { ERROR_LOG_WINDOW_MS } from '../../src/telemetry/logging.js';
import { at, harness, sample } from './harness.js';

interface Entry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const log = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { entries, info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
}

function diagErrors(): string[] {
  const seen: string[] = [];
  const logger: DiagLogger = {
    error: (m) => seen.push(m),
    warn: () => {},
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  return seen;
}

afterEach(() => diag.disable());

describe('logs', () => {
  it('breaker transitions: warn on open, debug on a probe and a failed probe, info on close with the open time', () => {
    const logger = recordingLogger();
    const h = harness({ logger });
    const i = h.telemetry.instrumentation;
    i.emit('breakerTransition', { node: 'default', from: 'closed', to: 'open', cause: 'failures' });
    i.emit('breakerTransition', { node: 'default', from: 'open', to: 'half_open', cause: 'timer' });
    i.emit('breakerTransition', { node: 'default', from: 'half_open', to: 'open', cause: 'probe_failed' });
    i.emit('breakerTransition', { node: 'default', from: 'open', to: 'half_open', cause: 'reconnect' });
    i.emit('breakerTransition', {
      node: 'default',
      from: 'half_open',
      to: 'closed',
      cause: 'probe_passed',
      openMs: 1234.4,
    });
    const base = { client: 'checkout-api', address: '10.1.2.3:6380', node: 'default' };
    expect(logger.entries.map((e) => [e.level, e.obj])).toEqual([
      ['warn', { ...base, from: 'closed', to: 'open', cause: 'failures' }],
      ['debug', { ...base, from: 'open', to: 'half_open', cause: 'timer' }],
      ['debug', { ...base, from: 'half_open', to: 'open', cause: 'probe_failed' }],
      ['debug', { ...base, from: 'open', to: 'half_open', cause: 'reconnect' }],
      ['info', { ...base, from: 'half_open', to: 'closed', cause: 'probe_passed', open_ms: 1234 }],
    ]);
  });

  it('connection statuses: info when up, lost and ended; the reconnect cycle of an outage only at debug', () => {
    const logger = recordingLogger();
    const h = harness({ logger });
    const cycle = ['reconnecting', 'connecting', 'close'];
    const statuses = ['connecting', 'connect', 'ready', 'ready', 'close', ...cycle, ...cycle, 'ready', 'end'];
    for (const s of statuses) h.telemetry.instrumentation.emit('connectionStatus', { status: s });
    expect(logger.entries.filter((e) => e.level !== 'debug').map((e) => [e.level, e.obj.status, e.msg])).toEqual([
      ['info', 'connecting', 'redis connection connecting'],
      ['info', 'ready', 'redis connection ready'],
      ['info', 'close', 'redis connection lost (close)'],
      ['info', 'ready', 'redis connection ready'],
      ['info', 'end', 'redis connection ended'],
    ]);
    expect(logger.entries.filter((e) => e.level === 'debug').length).toBeGreaterThan(0);
  });

  it('connection errors: one warn per type per 10 s, the rest counted and reported', () => {
    const logger = recordingLogger();
    let now = 0;
    const h = harness({ logger }, { now: () => now });
    const i = h.telemetry.instrumentation;
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6380'), { code: 'ECONNREFUSED' });
    for (let n = 0; n < 50; n++) {
      i.emit('connectionError', { type: 'refused', error: refused });
      now += 100; // 50 errors over 5 s
    }
    i.emit('connectionError', { type: 'timeout', error: new Error('x') });
    expect(logger.entries.map((e) => [e.obj.error_type, e.obj.code, e.obj.suppressed])).toEqual([
      ['refused', 'ECONNREFUSED', undefined],
      ['timeout', undefined, undefined],
    ]);
    now = ERROR_LOG_WINDOW_MS + 1;
    i.emit('connectionError', { type: 'refused', error: refused });
    expect(logger.entries.at(-1)?.obj).toMatchObject({ error_type: 'refused', suppressed: 49 });
    expect(logger.entries.at(-1)?.level).toBe('warn');

    // Suppressed errors left when the connection recovers are reported with the recovery.
    i.emit('connectionError', { type: 'refused', error: refused });
    i.emit('connectionStatus', { status: 'ready' });
    expect(logger.entries.at(-1)?.obj).toMatchObject({ status: 'ready', suppressed_errors: 1 });
  });

  it('a damaged spool: one error naming both files; replay failures: one error per reason per 10 s', () => {
    const logger = recordingLogger();
    let now = 0;
    const h = harness({ logger }, { now: () => now });
    const i = h.telemetry.instrumentation;
    i.emit('queueSpoolQuarantined', {
      path: '/var/spool/rr.db',
      quarantinedAs: '/var/spool/rr.db.damaged-20261127T000000000Z',
      reason: 'truncated',
      detail: 'database disk image is malformed',
      salvaged: 260,
      unreadable: 0,
      during: 'open',
    });
    expect(logger.entries).toEqual([
      {
        level: 'error',
        obj: {
          client: 'checkout-api',
          spool: '/var/spool/rr.db',
          quarantined_as: '/var/spool/rr.db.damaged-20261127T000000000Z',
          reason: 'truncated',
          detail: 'database disk image is malformed',
          salvaged: 260,
          unreadable: 0,
          during: 'open',
        },
        msg: 'queue spool damaged (truncated): moved aside, 260 message(s) salvaged into a fresh spool',
      },
    ]);
    for (let n = 0; n < 20; n++) {
      i.emit('queueReplayFailed', { reason: 'disk_full', error: new Error('database or disk is full') });
      now += 100;
    }
    i.emit('queueReplayFailed', { reason: 'io', error: new Error('disk I/O error') });
    now = ERROR_LOG_WINDOW_MS + 1;
    i.emit('queueReplayFailed', { reason: 'disk_full', error: new Error('database or disk is full') });
    const replay = logger.entries.slice(1);
    expect(replay.map((e) => [e.level, e.obj.reason, e.obj.suppressed])).toEqual([
      ['error', 'disk_full', undefined],
      ['error', 'io', undefined],
      ['error', 'disk_full', 19],
    ]);
    // Kept apart from connection errors: a recovered connection does not report a suppressed replay failure as its own.
    i.emit('queueReplayFailed', { reason: 'disk_full', error: new Error('database or disk is full') });
    expect(logger.entries).toHaveLength(4);
    i.emit('connectionStatus', { status: 'ready' });
    expect(logger.entries.at(-1)?.obj.suppressed_errors).toBeUndefined();
  });

  it('never logs a password, key, value or error message', () => {
    const logger = recordingLogger();
    const h = harness({ logger, redis: 'redis://:s3cret-pass@10.1.2.3:6380/2' });
    const i = h.telemetry.instrumentation;
    i.emit('connectionError', {
      type: 'auth',
      error: Object.assign(new Error('WRONGPASS s3cret-pass user:42'), { code: 'WRONGPASS s3cret' }),
    });
    i.emit('connectionStatus', { status: 'reconnecting' });
    i.emit('breakerTransition', { node: 'default', from: 'closed', to: 'open', cause: 'failures' });
    const call = i.startCall('set', ['user:42', 'card-4111']);
    call.end('command_error', 1, new Error('ERR user:42'));
    const text = JSON.stringify(logger.entries);
    for (const secret of ['s3cret', 'user:42', 'card-4111', 'WRONGPASS']) expect(text).not.toContain(secret);
    expect(text).toContain('10.1.2.3:6380');
  });

  it('a throwing logger never breaks a call or an event', () => {
    const errors = diagErrors();
    const throwing: Logger = {
      info() {
        throw new Error('logger down');
      },
      warn() {
        throw new Error('logger down');
      },
      error() {
        throw new Error('logger down');
      },
    };
    const h = harness({ logger: throwing });
    const i = h.telemetry.instrumentation;
    expect(() => {
      i.emit('breakerTransition', { node: 'default', from: 'closed', to: 'open', cause: 'failures' });
      i.emit('connectionStatus', { status: 'reconnecting' });
      i.emit('connectionError', { type: 'refused', error: new Error('x') });
      const call = i.startCall('get', []);
      call.attemptEnd(1, at(0), at(1), undefined);
      call.end('success', 1);
    }).not.toThrow();
    expect(h.spans()).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a tracer that throws costs the call its span, never the call; the failure goes to diag', async () => {
    const errors = diagErrors();
    const broken: TracerProvider = {
      getTracer: () =>
        ({
          startSpan() {
            throw new Error('tracer exploded');
          },
        }) as unknown as Tracer,
    };
    const h = harness({}, { tracerProvider: broken });
    const call = h.telemetry.instrumentation.startCall('get', []);
    expect(() => {
      call.attemptEnd(1, at(0), at(1), undefined);
      call.retry(1, 1, 'timeout');
      call.end('success', 1);
    }).not.toThrow();
    expect(call.runInContext(() => 'ran')).toBe('ran');
    // A Redis call's span is made when it ends; the call's metrics are recorded all the same.
    expect(errors.some((e) => e.includes('tracker.end'))).toBe(true);
    const count =
      'redis_resilience_operation_duration_seconds_count{client="checkout-api",operation="get",outcome="success"}';
    expect(sample(await h.telemetry.metrics(), count)).toBe(1);
    // A logical operation's span starts with it.
    expect(() => h.telemetry.instrumentation.startCall('cache.getOrLoad', []).end('success', 0)).not.toThrow();
    expect(errors.some((e) => e.includes('startCall'))).toBe(true);
  });
});
