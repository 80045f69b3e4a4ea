import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { StopWaiting, waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 5 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing or rejecting probe as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls === 1) throw new Error('sync-ish failure');
        if (calls === 2) return Promise.reject(new Error('async failure'));
        return 'ok';
      },
      { intervalMs: 5 },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('rejects after the timeout with the message and the last probe error', async () => {
    const started = Date.now();
    const error = await waitFor(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 150, message: 'the thing to work' },
    ).catch((err: Error) => err);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/timed out after 150ms/);
    expect((error as Error).message).toContain('the thing to work');
    expect((error as Error).message).toContain('still broken');
  });

  it('does not hang on a probe that never settles', async () => {
    const started = Date.now();
    await expect(waitFor(() => new Promise<boolean>(() => {}), { timeoutMs: 100 })).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects at once with a failed assertion inside the probe: an expect is never "not yet"', async () => {
    for (const assertion of [() => expect(1).toBe(2), () => assert.equal(1, 2)]) {
      let calls = 0;
      const started = Date.now();
      const error = await waitFor(
        () => {
          calls++;
          assertion();
          return true;
        },
        { timeoutMs: 5_000 },
      ).catch((err: Error) => err);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('AssertionError');
      expect(calls).toBe(1);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('rejects at once with the StopWaiting a probe throws', async () => {
    let calls = 0;
    const stop = new StopWaiting('the server answered with an error that cannot clear');
    const started = Date.now();
    const error = await waitFor(
      async () => {
        calls++;
        throw stop;
      },
      { timeoutMs: 5_000 },
    ).catch((err: Error) => err);
    expect(error).toBe(stop);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops at once when `fatal` gives a reason, naming the condition and the reason', async () => {
    let calls = 0;
    const started = Date.now();
    const error = await waitFor(() => ++calls > 100, {
      timeoutMs: 5_000,
      intervalMs: 5,
      message: 'the producer to publish',
      fatal: () => calls >= 3 && 'the producer exited with code 1',
    }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(StopWaiting);
    expect((error as Error).message).toMatch(/^waitFor stopped after \d+ms \(3 attempts\): the producer to publish; /);
    expect((error as Error).message).toContain('fatal: the producer exited with code 1');
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a passing probe wins over `fatal`; a throwing `fatal` check is a reason too', async () => {
    expect(await waitFor(() => 'done', { fatal: () => 'too late' })).toBe('done');
    const error = await waitFor(() => false, {
      timeoutMs: 5_000,
      fatal: () => {
        throw new Error('the child is gone');
      },
    }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(StopWaiting);
    expect((error as Error).message).toContain('fatal: Error: the child is gone');
  });
});
