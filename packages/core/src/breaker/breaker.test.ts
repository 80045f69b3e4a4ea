import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../clock.js';
import { CircuitOpenError, isCircuitOpenError } from '../errors/errors.js';
import type { BreakerConfig, WindowBucket } from './breaker.js';
import { BreakerSet } from './breakers.js';
import type { BreakerTransition, ProbeResult } from './state.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

const CONFIG: BreakerConfig = {
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1000,
  maxResetTimeoutMs: 8000,
  minProbeIntervalMs: 1000,
  halfOpenProbes: 1,
  enabled: true,
};

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The fake timers' clock: Date and setTimeout are both faked. */
const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const sets: BreakerSet[] = [];

function setup(
  config: Partial<BreakerConfig> = {},
  probe: () => Promise<unknown> = async () => 'PONG',
  node = 'default',
) {
  const transitions: BreakerTransition[] = [];
  const probes: ProbeResult[] = [];
  const probeFn = vi.fn(probe);
  const set = new BreakerSet(
    { ...CONFIG, ...config },
    {
      probe: () => probeFn(),
      clock,
      // Equal jitter with random() = 0.5: a backed-off delay is exactly 3/4 of its exponential value.
      random: () => 0.5,
      onTransition: (t) => transitions.push(t),
      onProbe: (p) => probes.push(p),
    },
  );
  sets.push(set);
  return { breaker: set.get(node), set, probe: probeFn, transitions, probes };
}

type Breaker = ReturnType<typeof setup>['breaker'];
const path = (ts: BreakerTransition[]) => ts.map((t) => `${t.from}>${t.to}:${t.cause}`);

/** What the executor does with one attempt's outcome. */
async function attempt(breaker: Breaker, outcome: 'ok' | 'fail'): Promise<void> {
  const rejection = breaker.admit('get');
  if (rejection) throw rejection;
  if (outcome === 'ok') breaker.success();
  else await breaker.failure();
}

async function failTimes(breaker: Breaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await attempt(breaker, 'fail');
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const s of sets.splice(0)) s.shutdown();
  vi.useRealTimers();
});

describe('Breaker: closed', () => {
  it('admits calls and reports nothing while they succeed', async () => {
    const { breaker, transitions } = setup();
    for (let i = 0; i < 100; i++) await attempt(breaker, 'ok');
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
  });

  it('stays closed below volumeThreshold even when every call fails', async () => {
    const { breaker, transitions } = setup();
    await failTimes(breaker, 3);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
  });

  it('opens on the volumeThreshold-th call when failures exceed the threshold', async () => {
    const { breaker, transitions } = setup();
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([{ node: 'default', from: 'closed', to: 'open', cause: 'failures' }]);
  });

  it('needs strictly more than errorThresholdPercentage failures; successes count in the rate', async () => {
    const { breaker } = setup();
    await attempt(breaker, 'ok');
    await attempt(breaker, 'ok');
    await failTimes(breaker, 2);
    // 2 of 4 is exactly 50 %: not over the threshold.
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    // 3 of 5 is 60 %.
    expect(breaker.state).toBe('open');
  });

  it('counts successes in the current bucket after the window rotated', async () => {
    const { breaker } = setup();
    // A whole window: every bucket there was at the start has rotated out.
    await vi.advanceTimersByTimeAsync(CONFIG.rollingWindowMs);
    for (let i = 0; i < 4; i++) await attempt(breaker, 'ok');
    await failTimes(breaker, 4);
    // 4 of 8 is 50 %: closed only if the 4 successes landed in a bucket that is still in the window.
    expect(breaker.state).toBe('closed');
  });

  it('keeps nothing per success: the window holds counts, not a latency per call', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 10_000; i++) breaker.success();
    const window = (breaker as unknown as { circuit: { status: { window: WindowBucket[] } } }).circuit.status.window;
    expect(window[0]?.successes).toBe(10_000);
    expect(window.reduce((n, b) => n + b.latencyTimes.length, 0)).toBe(0);
  });

  it('forgets failures that left the rolling window (the window rotates on the clock)', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 3);
    await vi.advanceTimersByTimeAsync(CONFIG.rollingWindowMs + 1000);
    for (let i = 0; i < 3; i++) await attempt(breaker, 'ok');
    await failTimes(breaker, 1);
    // Only 1 failure of 4 is still in the window.
    expect(breaker.state).toBe('closed');
  });
});

describe('Breaker: open', () => {
  it('admit() rejects with CircuitOpenError', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    const err = breaker.admit('hget');
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(isCircuitOpenError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'ERR_CIRCUIT_OPEN',
      state: 'open',
      node: 'default',
      operation: 'hget',
      sent: false,
      attempts: 0,
    });
    expect(err?.message).toContain('HGET');
  });

  it('reports the node it guards', async () => {
    const { breaker, transitions } = setup({}, undefined, '10.0.0.7:6379');
    await failTimes(breaker, 4);
    expect(transitions).toEqual([{ node: '10.0.0.7:6379', from: 'closed', to: 'open', cause: 'failures' }]);
    expect(breaker.admit('get')).toMatchObject({ node: '10.0.0.7:6379', state: 'open' });
  });

  it('does not probe before resetTimeoutMs', async () => {
    const { breaker, probe } = setup();
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs - 1);
    expect(probe).not.toHaveBeenCalled();
    expect(breaker.state).toBe('open');
  });

  it('ignores stragglers: late successes and failures of calls sent before it opened', async () => {
    const { breaker, probe, transitions } = setup();
    await failTimes(breaker, 4);
    breaker.success();
    await breaker.failure();
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(path(transitions)).toEqual([
      'closed>open:failures',
      'open>half_open:timer',
      'half_open>closed:probe_passed',
    ]);
  });
});

describe('Breaker: half-open and recovery', () => {
  it('probes by itself after resetTimeoutMs, closes on success and reports how long it was open', async () => {
    const { breaker, probe, transitions, probes } = setup();
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(path(transitions)).toEqual([
      'closed>open:failures',
      'open>half_open:timer',
      'half_open>closed:probe_passed',
    ]);
    expect(transitions[2]?.openMs).toBe(CONFIG.resetTimeoutMs);
    expect(probes).toEqual([{ node: 'default', trigger: 'timer', ok: true }]);
    expect(breaker.admit('get')).toBeUndefined();
  });

  it('rejects user calls as half_open while the probe runs', async () => {
    const pending = deferred<string>();
    const { breaker } = setup({}, () => pending.promise);
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('half_open');
    expect(breaker.admit('get')).toMatchObject({ code: 'ERR_CIRCUIT_OPEN', state: 'half_open' });
    pending.resolve('PONG');
    await vi.advanceTimersByTimeAsync(0);
    expect(breaker.state).toBe('closed');
  });

  it('backs off after failed probes (exponential with equal jitter, capped), then recovers', async () => {
    let healthy = false;
    const { breaker, probe, transitions } = setup({}, async () => {
      if (!healthy) throw refused();
      return 'PONG';
    });
    await failTimes(breaker, 4);
    // Timer probes at 1 s, then 2 s·¾, 4 s·¾, 8 s·¾ (the cap), 8 s·¾ … after each failure.
    const gaps = [1000, 1500, 3000, 6000, 6000];
    for (const [i, gap] of gaps.entries()) {
      await vi.advanceTimersByTimeAsync(gap - 1);
      expect(probe).toHaveBeenCalledTimes(i);
      await vi.advanceTimersByTimeAsync(1);
      expect(probe).toHaveBeenCalledTimes(i + 1);
      expect(breaker.state).toBe('open');
    }
    healthy = true;
    await vi.advanceTimersByTimeAsync(6000);
    expect(breaker.state).toBe('closed');
    expect(path(transitions).slice(-2)).toEqual(['open>half_open:timer', 'half_open>closed:probe_passed']);
  });

  it('probes at once when the connection is ready again, instead of waiting for the timer', async () => {
    const { breaker, probe, transitions, probes } = setup({ resetTimeoutMs: 5000 });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(1200);
    breaker.reconnected();
    await vi.advanceTimersByTimeAsync(0);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(path(transitions)).toEqual([
      'closed>open:failures',
      'open>half_open:reconnect',
      'half_open>closed:probe_passed',
    ]);
    expect(transitions[2]?.openMs).toBe(1200);
    expect(probes).toEqual([{ node: 'default', trigger: 'reconnect', ok: true }]);
  });

  it('never probes more than once per minProbeIntervalMs, however often the connection flaps', async () => {
    const { breaker, probe } = setup({ resetTimeoutMs: 60_000 }, async () => {
      throw refused();
    });
    await failTimes(breaker, 4);
    // A reconnect every 100 ms for 10 s: at most one probe a second.
    for (let t = 0; t < 10_000; t += 100) {
      breaker.reconnected();
      await vi.advanceTimersByTimeAsync(100);
    }
    // One at once, then one per second: 0 s, 1 s … 10 s.
    expect(probe.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(probe.mock.calls.length).toBeLessThanOrEqual(1 + 10_000 / CONFIG.minProbeIntervalMs);
  });

  it('a reconnect while closed starts no probe', async () => {
    const { breaker, probe } = setup();
    breaker.reconnected();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probe).not.toHaveBeenCalled();
  });

  it('halfOpenProbes: 3 needs three successful probes, rejecting user calls meanwhile', async () => {
    const pending: Deferred<string>[] = [];
    const { breaker, probe, transitions } = setup({ halfOpenProbes: 3 }, () => {
      const d = deferred<string>();
      pending.push(d);
      return d.promise;
    });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    for (let i = 1; i <= 3; i++) {
      expect(probe).toHaveBeenCalledTimes(i);
      expect(breaker.state).toBe('half_open');
      expect(breaker.admit('get')).toMatchObject({ state: 'half_open' });
      pending[i - 1]?.resolve('PONG');
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(breaker.state).toBe('closed');
    expect(path(transitions)).toEqual([
      'closed>open:failures',
      'open>half_open:timer',
      'half_open>closed:probe_passed',
    ]);
  });

  it.each([1, 2, 3])('halfOpenProbes: 3 re-opens when probe %d fails', async (failing) => {
    let n = 0;
    const { breaker, probe, transitions } = setup({ halfOpenProbes: 3 }, async () => {
      n++;
      if (n === failing) throw refused();
      return 'PONG';
    });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(probe).toHaveBeenCalledTimes(failing);
    expect(breaker.state).toBe('open');
    expect(path(transitions)).toEqual(['closed>open:failures', 'open>half_open:timer', 'half_open>open:probe_failed']);
    n = 100;
    await vi.advanceTimersByTimeAsync(2 * CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('closed');
    expect(probe).toHaveBeenCalledTimes(failing + 3);
  });
});

describe('Breaker: disabled', () => {
  it('admits everything, never opens, and keeps no timer', async () => {
    const { breaker, probe, transitions } = setup({ enabled: false });
    expect(vi.getTimerCount()).toBe(0);
    await failTimes(breaker, 50);
    breaker.reconnected();
    expect(breaker.state).toBe('closed');
    expect(breaker.admit('get')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probe).not.toHaveBeenCalled();
    expect(transitions).toEqual([]);
  });
});

describe('Breaker: shutdown', () => {
  it('stops the window rotation and a pending probe timer', async () => {
    const { breaker, set, probe } = setup();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await failTimes(breaker, 4);
    set.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs * 10);
    expect(probe).not.toHaveBeenCalled();
    expect(breaker.state).toBe('open');
  });

  it('does not re-open after a probe that fails once shut down', async () => {
    const pending = deferred<string>();
    const { breaker, set } = setup({}, () => pending.promise);
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    set.shutdown();
    pending.reject(refused());
    await vi.advanceTimersByTimeAsync(0);
    expect(breaker.state).toBe('half_open');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Breaker: after recovery', () => {
  it('starts a fresh window: the failures that opened it do not re-open it on the next single failure', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('closed');
    for (let i = 0; i < 2; i++) await attempt(breaker, 'ok');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });
});
