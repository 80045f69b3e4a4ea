import { describe, expect, it } from 'vitest';
import { SessionMemory } from '../../src/fallback/session-memory.js';

describe('SessionMemory', () => {
  it('pending entries win over clean copies and are settled only if not superseded', () => {
    const m = new SessionMemory(10, () => 1000);
    m.remember('a', '{"v":1}', 5000);
    expect(m.lookup('a')).toEqual({ json: '{"v":1}', pending: false });
    m.markDirty('a', '{"v":2}', 5000);
    expect(m.lookup('a')).toEqual({ json: '{"v":2}', pending: true });
    const [entry] = m.pendingEntries(10);
    m.markDirty('a', '{"v":3}', 5000); // a newer write while the write-back was in flight
    m.settle(entry!);
    expect(m.lookup('a')).toEqual({ json: '{"v":3}', pending: true });
    m.settle(m.pendingEntries(10)[0]!);
    expect(m.lookup('a')).toEqual({ json: '{"v":3}', pending: false });
    expect(m.pendingCount).toBe(0);
  });

  it('a destroy is a pending tombstone that reads as no session', () => {
    const m = new SessionMemory(10, () => 1000);
    m.remember('a', '{}', 5000);
    m.markDirty('a', undefined, Number.POSITIVE_INFINITY);
    expect(m.lookup('a')).toEqual({ json: undefined, pending: true });
    m.settle(m.pendingEntries(1)[0]!);
    expect(m.lookup('a')).toBeUndefined();
  });

  it('is bounded: the least recently used clean copy goes first, pending only when nothing clean is left', () => {
    let evicted = 0;
    const m = new SessionMemory(3, () => 0, { evictedPending: () => evicted++ });
    m.remember('c1', '1', 10);
    m.remember('c2', '2', 10);
    m.markDirty('p1', 'p', 10);
    m.lookup('c1'); // c1 now most recently used
    m.markDirty('p2', 'p', 10);
    expect(m.lookup('c2')).toBeUndefined();
    expect(m.lookup('c1')).toBeDefined();
    m.markDirty('p3', 'p', 10);
    m.markDirty('p4', 'p', 10);
    expect(m.size).toBe(3);
    expect(m.lookup('c1')).toBeUndefined();
    expect(m.lookup('p1')).toBeUndefined();
    expect(evicted).toBe(1);
    expect(m.pendingEntries(10).map((e) => e.sid)).toEqual(['p2', 'p3', 'p4']);
  });

  it('reports every change of the pending count, and drops only the entry it was given', () => {
    const counts: number[] = [];
    const m = new SessionMemory(10, () => 0, { pendingCount: (n) => counts.push(n) });
    m.markDirty('a', '1', 10);
    m.markDirty('b', '1', 10);
    const [a] = m.pendingEntries();
    m.markDirty('a', '2', 10); // a newer write: dropping the old entry must not drop it
    expect(m.drop(a!)).toBe(false);
    expect(m.lookup('a')).toEqual({ json: '2', pending: true });
    expect(m.drop(m.pendingEntries().find((e) => e.sid === 'a')!)).toBe(true);
    m.settle(m.pendingEntries()[0]!);
    expect(counts.at(-1)).toBe(0);
    expect(counts.slice(0, 2)).toEqual([1, 2]);
    m.markDirty('c', '1', 10);
    expect(m.clear()).toBe(1);
    expect(counts.at(-1)).toBe(0);
  });

  it('expired entries read as absent and are never written back', () => {
    let now = 0;
    const m = new SessionMemory(10, () => now);
    m.remember('c', '1', 100);
    m.markDirty('p', '1', 100);
    now = 100;
    expect(m.lookup('c')).toBeUndefined();
    expect(m.lookup('p')).toBeUndefined();
    expect(m.pendingEntries(10)).toEqual([]);
  });

  it('a superseded entry stays readable but is never written back; an acknowledged write spares a newer pending one', () => {
    const m = new SessionMemory(10, () => 0);
    m.markDirty('a', 'v1', 10);
    const older = m.supersede('a'); // v2 is on its way
    expect(m.lookup('a')).toEqual({ json: 'v1', pending: true });
    expect(m.pendingEntries()).toEqual([]);
    m.restore(older); // v2 was refused for good: v1 is the newest write again
    expect(m.pendingEntries().map((e) => e.json)).toEqual(['v1']);

    const again = m.supersede('a'); // v2 on its way again …
    m.markDirty('a', 'v3', 10); // … and v3 pended meanwhile
    m.written('a', again, 'v2', 10); // v2's acknowledgement must not erase v3
    expect(m.lookup('a')).toEqual({ json: 'v3', pending: true });
    m.written('a', m.supersede('a'), 'v4', 10);
    expect(m.lookup('a')).toEqual({ json: 'v4', pending: false });
  });
});
