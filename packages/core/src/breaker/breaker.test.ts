import { ReplyError } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyError, isFailure } from '../errors/classify.js';
import { CircuitOpenError, isCircuitOpenError } from '../errors/errors.js';
import { Breaker, type BreakerConfig, type BreakerDeps, type BreakerTransition } from './breaker.js';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
  });
const wrongType = () =>
  new (ReplyError as new (m: string) => Error)('WRONGTYPE Operation against a key holding the wrong kind of value');

const CONFIG: BreakerConfig = {
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1000,
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

const breakers: Breaker[] = [];

function setup(config: Partial<BreakerConfig> = {}, probe: BreakerDeps['probe'] = async () => 'PONG') {
  const transitions: BreakerTransition[] = [];
  const deps = {
    probe: vi.fn(probe),
    isFailure: (err: unknown) => isFailure(classifyError(err)),
    onTransition: vi.fn((t: BreakerTransition) => {
      transitions.push(t);
    }),
    onProbeError: vi.fn(),
  };
  const breaker = new Breaker('default', { ...CONFIG, ...config }, deps);
  breakers.push(breaker);
  return { breaker, deps, transitions };
}

const ok = () => Promise.resolve('OK');
const failWith = (err: unknown) => () => Promise.reject(err);

/** Runs `n` failing calls through the breaker, each rejected with its own error. */
async function failTimes(breaker: Breaker, n: number, make: () => Error = refused): Promise<void> {
  for (let i = 0; i < n; i++) {
    const err = make();
    await expect(breaker.execute('get', failWith(err))).rejects.toBe(err);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const b of breakers.splice(0)) b.shutdown();
  vi.useRealTimers();
});

describe('Breaker: closed', () => {
  it('passes calls and results through', async () => {
    const { breaker, transitions } = setup();
    await expect(breaker.execute('get', () => Promise.resolve('v'))).resolves.toBe('v');
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
    expect(transitions).toEqual([{ node: 'default', from: 'closed', to: 'open' }]);
  });

  it('needs strictly more than errorThresholdPercentage failures', async () => {
    const { breaker } = setup();
    await breaker.execute('get', ok);
    await breaker.execute('get', ok);
    await failTimes(breaker, 2);
    // 2 of 4 is exactly 50 %: not over the threshold.
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    // 3 of 5 is 60 %.
    expect(breaker.state).toBe('open');
  });

  it('forgets failures that left the rolling window', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 3);
    await vi.advanceTimersByTimeAsync(CONFIG.rollingWindowMs + 1000);
    for (let i = 0; i < 3; i++) await breaker.execute('get', ok);
    await failTimes(breaker, 1);
    // Only 1 failure of 4 is still in the window.
    expect(breaker.state).toBe('closed');
  });

  it('never opens on errors that are not failures (100 command errors)', async () => {
    const { breaker, transitions } = setup();
    const fn = vi.fn(() => Promise.reject(wrongType()));
    for (let i = 0; i < 100; i++) {
      await expect(breaker.execute('incr', fn)).rejects.toMatchObject({ name: 'ReplyError' });
    }
    expect(fn).toHaveBeenCalledTimes(100);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
  });

  it('counts a command error as a success in the failure rate', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 2, wrongType);
    await failTimes(breaker, 2);
    // 2 failures of 4 calls: not over 50 %.
    expect(breaker.state).toBe('closed');
  });
});

describe('Breaker: open', () => {
  it('rejects with CircuitOpenError without calling fn', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    const fn = vi.fn(ok);
    const err = await breaker.execute('hget', fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
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
    expect((err as Error).message).toContain('HGET');
  });

  it('reports the node it guards', async () => {
    const transitions: BreakerTransition[] = [];
    const breaker = new Breaker('10.0.0.7:6379', CONFIG, {
      probe: async () => 'PONG',
      isFailure: () => true,
      onTransition: (t) => transitions.push(t),
    });
    breakers.push(breaker);
    await failTimes(breaker, 4);
    expect(transitions).toEqual([{ node: '10.0.0.7:6379', from: 'closed', to: 'open' }]);
    await expect(breaker.execute('get', ok)).rejects.toMatchObject({ node: '10.0.0.7:6379', state: 'open' });
  });

  it('does not probe before resetTimeoutMs', async () => {
    const { breaker, deps } = setup();
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs - 1);
    expect(deps.probe).not.toHaveBeenCalled();
    expect(breaker.state).toBe('open');
  });

  it('trip() opens a closed breaker at once and starts the reset timer', async () => {
    const { breaker, deps, transitions } = setup();
    breaker.trip();
    expect(breaker.state).toBe('open');
    await expect(breaker.execute('get', ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(deps.probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
  });

  it('trip() while already open does not restart the timer', async () => {
    const { breaker, deps } = setup();
    breaker.trip();
    await vi.advanceTimersByTimeAsync(600);
    breaker.trip();
    await vi.advanceTimersByTimeAsync(400);
    expect(deps.probe).toHaveBeenCalledTimes(1);
  });
});

describe('Breaker: half-open and recovery', () => {
  it('probes by itself after resetTimeoutMs and closes on success', async () => {
    const { breaker, deps, transitions } = setup();
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(deps.probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([
      { node: 'default', from: 'closed', to: 'open' },
      { node: 'default', from: 'open', to: 'half_open' },
      { node: 'default', from: 'half_open', to: 'closed' },
    ]);
    await expect(breaker.execute('get', ok)).resolves.toBe('OK');
  });

  it('rejects user calls as half_open while the probe runs', async () => {
    const probe = deferred<string>();
    const { breaker } = setup({}, () => probe.promise);
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('half_open');
    const fn = vi.fn(ok);
    await expect(breaker.execute('get', fn)).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN', state: 'half_open' });
    expect(fn).not.toHaveBeenCalled();
    probe.resolve('PONG');
    await vi.advanceTimersByTimeAsync(0);
    expect(breaker.state).toBe('closed');
  });

  it('goes back to open when the probe fails, and recovers on a later probe', async () => {
    let healthy = false;
    const { breaker, deps, transitions } = setup({}, async () => {
      if (!healthy) throw refused();
      return 'PONG';
    });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('open');
    expect(deps.onProbeError).toHaveBeenCalledTimes(1);
    expect(deps.onProbeError.mock.calls[0]?.[0]).toMatchObject({ code: 'ECONNREFUSED' });
    await expect(breaker.execute('get', ok)).rejects.toMatchObject({ state: 'open' });

    // Still down at the next probe.
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(deps.probe).toHaveBeenCalledTimes(2);
    expect(breaker.state).toBe('open');

    healthy = true;
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(deps.probe).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
      'closed>open',
      'open>half_open',
      'half_open>open',
      'open>half_open',
      'half_open>open',
      'open>half_open',
      'half_open>closed',
    ]);
  });

  it('halfOpenProbes: 3 needs three successful probes, rejecting user calls meanwhile', async () => {
    const pending: Deferred<string>[] = [];
    const { breaker, deps, transitions } = setup({ halfOpenProbes: 3 }, () => {
      const d = deferred<string>();
      pending.push(d);
      return d.promise;
    });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);

    for (let i = 1; i <= 3; i++) {
      expect(deps.probe).toHaveBeenCalledTimes(i);
      expect(breaker.state).toBe('half_open');
      const fn = vi.fn(ok);
      await expect(breaker.execute('get', fn)).rejects.toMatchObject({ state: 'half_open' });
      expect(fn).not.toHaveBeenCalled();
      pending[i - 1]?.resolve('PONG');
      await vi.advanceTimersByTimeAsync(0);
    }

    expect(deps.probe).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
  });

  it.each([1, 2, 3])('halfOpenProbes: 3 re-opens when probe %d fails', async (failing) => {
    let n = 0;
    const { breaker, deps, transitions } = setup({ halfOpenProbes: 3 }, async () => {
      n++;
      if (n === failing) throw refused();
      return 'PONG';
    });
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(deps.probe).toHaveBeenCalledTimes(failing);
    expect(deps.onProbeError).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('open');
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>open']);

    // The reset timer runs again after a failed probe round, and the next round can close it.
    n = 100;
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    expect(breaker.state).toBe('closed');
    expect(deps.probe).toHaveBeenCalledTimes(failing + 3);
  });
});

describe('Breaker: disabled', () => {
  it('just runs fn and never opens', async () => {
    const { breaker, deps } = setup({ enabled: false });
    expect(vi.getTimerCount()).toBe(0);
    await expect(breaker.execute('get', ok)).resolves.toBe('OK');
    await failTimes(breaker, 50);
    breaker.trip();
    expect(breaker.state).toBe('closed');
    const fn = vi.fn(ok);
    await breaker.execute('get', fn);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(deps.probe).not.toHaveBeenCalled();
    expect(deps.onTransition).not.toHaveBeenCalled();
    expect(() => breaker.shutdown()).not.toThrow();
  });
});

describe('Breaker: shutdown', () => {
  it('stops the rolling-window timers', () => {
    const { breaker } = setup();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    breaker.shutdown();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels a pending reset so no probe runs afterwards', async () => {
    const { breaker, deps } = setup();
    await failTimes(breaker, 4);
    breaker.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs * 10);
    expect(deps.probe).not.toHaveBeenCalled();
    expect(breaker.state).toBe('open');
  });

  it('does not re-open after a probe that fails once shut down', async () => {
    const probe = deferred<string>();
    const { breaker, deps } = setup({ halfOpenProbes: 2 }, () => probe.promise);
    await failTimes(breaker, 4);
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    breaker.shutdown();
    probe.reject(refused());
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.onProbeError).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('half_open');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Breaker: after recovery', () => {
  it('starts a fresh window: the failures that opened it do not re-open it on the next single failure', async () => {
    const { breaker } = setup({ volumeThreshold: 4 });
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(CONFIG.resetTimeoutMs);
    await vi.waitFor(() => expect(breaker.state).toBe('closed'));
    for (let i = 0; i < 2; i++) await breaker.execute('get', ok);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });
});
