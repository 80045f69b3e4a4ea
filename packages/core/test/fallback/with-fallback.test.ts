import { startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { withFallback } from '../../src/fallback/with-fallback.js';
import { init, isRedisUnavailableError } from '../../src/index.js';
import { FAST, fallbackRecorder, ready } from './helpers.js';

afterAll(stopAllRedis);

describe('withFallback', () => {
  it('runs the fallback only when Redis is unavailable, counted as custom and traced as fallback.<name>', async () => {
    const server = await startRedis();
    const rec = fallbackRecorder();
    const rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
    const run = withFallback({ instrumentation: rec.instrumentation });
    await ready(rr);
    try {
      await rr.client.set('top', '["a","b"]');
      const primary = async () => JSON.parse((await rr.client.get('top')) ?? '[]') as string[];
      const fallback = (err: unknown) => {
        expect(isRedisUnavailableError(err)).toBe(true);
        return ['static'];
      };
      expect(await run('topProducts', primary, fallback)).toEqual(['a', 'b']);
      expect(rec.of('fallback.topProducts')[0]).toMatchObject({ outcome: 'success', fallbacks: [] });

      await server.kill();
      expect(await run('topProducts', primary, fallback)).toEqual(['static']);
      const call = rec.of('fallback.topProducts')[1]!;
      expect(call.outcome).toBe('fallback');
      expect(call.fallbacks).toHaveLength(1);
      expect(call.fallbacks[0]).toMatchObject({ type: 'custom', served: true });
      expect(rec.fallbacks).toEqual([call.fallbacks[0]]);
      // The primary's Redis call ran inside this call's span.
      expect(call.contextRuns).toBe(2);

      // A failing fallback: its own error propagates, counted as not served.
      const broken = new Error('no static data either');
      await expect(
        run('topProducts', primary, () => {
          throw broken;
        }),
      ).rejects.toBe(broken);
      expect(rec.fallbacks.at(-1)).toMatchObject({ type: 'custom', served: false });
      expect(rec.of('fallback.topProducts')[2]).toMatchObject({ outcome: 'failure', error: broken });
    } finally {
      await rr.close();
    }
  });

  it('other errors (command errors, app errors) propagate and the fallback is not called', async () => {
    const server = await startRedis();
    const rec = fallbackRecorder();
    const rr = init({ redis: server.url, ...FAST }, { instrumentation: rec.instrumentation });
    const run = withFallback({ instrumentation: rec.instrumentation });
    await ready(rr);
    try {
      await rr.client.rpush('list', 'x');
      let fallbacks = 0;
      const fb = () => {
        fallbacks++;
        return 'fb';
      };
      await expect(run('wrongType', () => rr.client.get('list'), fb)).rejects.toThrow(/WRONGTYPE/);
      const appError = new Error('bug');
      await expect(
        run(
          'appError',
          () => {
            throw appError;
          },
          fb,
        ),
      ).rejects.toBe(appError);
      expect(fallbacks).toBe(0);
      expect(rec.fallbacks).toEqual([]);
    } finally {
      await rr.close();
    }
  });

  it('names must be bounded constants', async () => {
    const run = withFallback({ instrumentation: fallbackRecorder().instrumentation });
    await expect(
      run(
        'user:123',
        async () => 1,
        () => 2,
      ),
    ).rejects.toThrow('name must be a constant');
    await expect(
      run(
        '',
        async () => 1,
        () => 2,
      ),
    ).rejects.toThrow('name must be a constant');
    await expect(run('ok', 'x' as never, () => 2)).rejects.toThrow('must be functions');
  });
});
