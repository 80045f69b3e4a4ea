import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/index.js';

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
});
