import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/fallback/single-flight.js';

describe('SingleFlight', () => {
  it('shares one in-flight run per key and forgets it once settled', async () => {
    const sf = new SingleFlight<number>();
    let calls = 0;
    let release!: (v: number) => void;
    const gate = new Promise<number>((r) => (release = r));
    const runs = Array.from({ length: 1000 }, () =>
      sf.run('k', () => {
        calls++;
        return gate;
      }),
    );
    expect(sf.size).toBe(1);
    release(7);
    expect(await Promise.all(runs)).toEqual(Array(1000).fill(7));
    expect(calls).toBe(1);
    expect(sf.size).toBe(0);
    expect(await sf.run('k', async () => 8)).toBe(8);
  });

  it('keeps keys apart', async () => {
    const sf = new SingleFlight<string>();
    const [a, b] = await Promise.all([sf.run('a', async () => 'A'), sf.run('b', async () => 'B')]);
    expect([a, b]).toEqual(['A', 'B']);
  });

  it('a synchronous throw rejects every joiner and leaves no stuck entry', async () => {
    const sf = new SingleFlight<number>();
    const boom = new Error('boom');
    const p1 = sf.run('k', () => {
      throw boom;
    });
    const p2 = sf.run('k', async () => 1);
    await expect(p1).rejects.toBe(boom);
    await expect(p2).rejects.toBe(boom);
    expect(sf.size).toBe(0);
    expect(await sf.run('k', async () => 2)).toBe(2);
  });

  it('rejectAll releases every waiting caller at once; the run still going is forgotten', async () => {
    const sf = new SingleFlight<number>();
    let release!: (v: number) => void;
    const first = Array.from({ length: 100 }, () => sf.run('k', () => new Promise<number>((r) => (release = r))));
    const closed = new Error('closed');
    sf.rejectAll(closed);
    for (const p of first) await expect(p).rejects.toBe(closed);
    expect(sf.size).toBe(0);
    // A new call starts a run of its own; the old run settling later changes nothing.
    const next = sf.run('k', async () => 2);
    release(1);
    expect(await next).toBe(2);
  });
});
