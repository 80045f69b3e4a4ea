import { describe, expect, it } from 'vitest';
import { type HealthInputs, healthReport } from './health.js';
import type { BreakerStateName } from './telemetry/catalog.js';

const inputs = (over: Partial<HealthInputs> = {}): HealthInputs => ({
  closed: false,
  connectionStatus: 'ready',
  lastErrorType: undefined,
  breakers: [{ node: 'default', state: 'closed' }],
  offlineLength: 0,
  maxOffline: 1000,
  ...over,
});

const nodes = (...states: BreakerStateName[]) => states.map((state, i) => ({ node: `10.0.0.${i + 1}:6379`, state }));

describe('healthReport', () => {
  it('is ok when ready with a closed breaker', () => {
    expect(healthReport(inputs())).toEqual({
      status: 'ok',
      breaker: { state: 'closed', nodes: { default: 'closed' } },
      connection: { status: 'ready', lastErrorType: undefined },
      offlineQueue: { length: 0, max: 1000 },
    });
  });

  it.each(['reconnecting', 'connecting', 'connect', 'wait', 'close'])('is degraded while the connection is %s', (s) => {
    const r = healthReport(inputs({ connectionStatus: s, lastErrorType: 'refused', offlineLength: 12 }));
    expect(r.status).toBe('degraded');
    expect(r.connection).toEqual({
      status: s,
      lastErrorType: 'refused',
      problem: expect.stringContaining('nothing accepts connections'),
    });
    expect(r.offlineQueue).toEqual({ length: 12, max: 1000 });
  });

  it('is degraded when the breaker is open', () => {
    const r = healthReport(inputs({ breakers: [{ node: 'default', state: 'open' }] }));
    expect(r.status).toBe('degraded');
    expect(r.breaker.state).toBe('open');
  });

  it('is degraded when the breaker is half-open', () => {
    const r = healthReport(inputs({ breakers: [{ node: 'default', state: 'half_open' }] }));
    expect(r.status).toBe('degraded');
    expect(r.breaker.state).toBe('half_open');
  });

  it('is down once closed, whatever else holds', () => {
    expect(healthReport(inputs({ closed: true })).status).toBe('down');
    expect(healthReport(inputs({ closed: true, breakers: nodes('open') })).status).toBe('down');
  });

  it('is down when the connection has ended', () => {
    expect(healthReport(inputs({ connectionStatus: 'end' })).status).toBe('down');
  });

  it('reports the queue once used, and is degraded while its replay keeps failing', () => {
    const queue = (failing: boolean) => ({
      spooled: 3,
      quarantined: 1,
      lastQuarantine: { reason: 'truncated' as const, salvaged: 2, unreadable: 1, at: '2026-11-27T00:00:00.000Z' },
      replay: { failures: 4, failing, lastFailure: { reason: 'disk_full' as const, at: '2026-11-27T00:00:01.000Z' } },
    });
    expect(healthReport(inputs()).queue).toBeUndefined();
    const ok = healthReport(inputs({ queue: queue(false) }));
    expect(ok.status).toBe('ok');
    expect(ok.queue).toEqual(queue(false));
    expect(healthReport(inputs({ queue: queue(true) })).status).toBe('degraded');
  });

  it('is ok with no breakers at all (breaker disabled)', () => {
    const r = healthReport(inputs({ breakers: [] }));
    expect(r.status).toBe('ok');
    expect(r.breaker).toEqual({ state: 'closed', nodes: {} });
  });
});

describe('healthReport over several nodes', () => {
  it('reports every node', () => {
    const r = healthReport(inputs({ breakers: nodes('closed', 'half_open', 'open') }));
    expect(r.breaker.nodes).toEqual({
      '10.0.0.1:6379': 'closed',
      '10.0.0.2:6379': 'half_open',
      '10.0.0.3:6379': 'open',
    });
  });

  it.each<[BreakerStateName[], BreakerStateName]>([
    [['closed', 'closed', 'closed'], 'closed'],
    [['closed', 'half_open', 'closed'], 'half_open'],
    [['closed', 'half_open', 'open'], 'open'],
    [['open', 'half_open', 'closed'], 'open'],
    [['half_open', 'open', 'half_open'], 'open'],
    [['half_open', 'half_open'], 'half_open'],
  ])('worst of %j is %s', (states, worst) => {
    const r = healthReport(inputs({ breakers: nodes(...states) }));
    expect(r.breaker.state).toBe(worst);
    expect(r.status).toBe(worst === 'closed' ? 'ok' : 'degraded');
  });
});
