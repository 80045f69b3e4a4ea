/** Sentinel: the client follows a real failover, and no request hangs past its deadline meanwhile. */
import { startSentinelSetup, stopAllRedis, waitFor } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { init, isRedisUnavailableError } from '../src/index.js';
import { recordingInstrumentation, settle } from './helpers.js';

afterAll(stopAllRedis);

describe('sentinel', () => {
  it('follows the promotion of the replica after the master is SIGKILLed; the failover is counted', async () => {
    const setup = await startSentinelSetup({ downAfterMs: 1000 });
    const rec = recordingInstrumentation();
    const rr = init(
      {
        redis: { sentinels: setup.sentinelAddresses, name: setup.masterName },
        retry: { deadlineMs: 1500 },
        timeouts: { connectMs: 500, commandMs: 300 },
        queue: { maxWaitMs: 300 },
        breaker: { resetTimeoutMs: 500 },
      },
      { instrumentation: rec.instrumentation },
    );
    try {
      expect(await rr.client.set('k', 'before')).toBe('OK');
      await setup.master.kill();
      const deadline = rr.options.retry.deadlineMs;
      let worst = 0;
      const errors: unknown[] = [];
      // Keep writing through the switch; every call settles within its deadline, fails typed, or succeeds.
      await waitFor(
        async () => {
          const r = await settle(rr.client.set('k', 'after'));
          worst = Math.max(worst, r.ms);
          if (r.error) errors.push(r.error);
          return r.value === 'OK';
        },
        { timeoutMs: 45_000, intervalMs: 50, message: 'a SET to succeed on the promoted replica' },
      );
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.filter((e) => !isRedisUnavailableError(e)).map(String)).toEqual([]);
      expect(worst).toBeLessThan(deadline + 250);
      const master = await setup.currentMaster();
      expect(master.port).toBe(setup.replica.port);
      expect(await setup.replica.cli('GET', 'k')).toBe('after');
      await waitFor(() => rec.failovers.length > 0);
      expect(rec.failovers[0]?.to).toBe(`127.0.0.1:${setup.replica.port}`);
    } finally {
      await rr.close();
      await setup.stop();
    }
  });
});
