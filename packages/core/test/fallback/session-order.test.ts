/**
 * Ordering of a write against the write-back in flight, with a stand-in client whose pipeline the test holds open:
 * with a pool larger than one, the two could travel on different connections, so the store itself must order them.
 */
import { expect, it } from 'vitest';
import type { ResilientClient } from '../../src/client/guarded-client.js';
import { createSessionStore } from '../../src/fallback/sessions.js';
import { noopInstrumentation } from '../../src/instrumentation.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function heldClient() {
  const sent: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const client = {
    raw: { isCluster: false },
    async set(key: string, value: string) {
      sent.push(`${key}=${value}`);
      return 'OK';
    },
    async del(key: string) {
      sent.push(`del ${key}`);
      return 1;
    },
    pipeline() {
      const queued: string[] = [];
      const chain = {
        set(key: string, value: string) {
          queued.push(`${key}=${value}`);
          return chain;
        },
        del(key: string) {
          queued.push(`del ${key}`);
          return chain;
        },
        async exec() {
          sent.push(...queued);
          await held; // on the wire, no reply yet
          return queued.map(() => [null, 'OK']);
        },
      };
      return chain;
    },
  };
  return { client: client as unknown as ResilientClient, sent, release };
}

it('a newer write of a session in the write-back batch in flight is sent only once that batch has settled', async () => {
  const { client, sent, release } = heldClient();
  let breakerOpen = true;
  const store = createSessionStore(
    { client, instrumentation: noopInstrumentation, breakerOpen: () => breakerOpen },
    { serializer: { stringify: (s: { v: number }) => `v${s.v}`, parse: (t: string) => ({ v: Number(t.slice(1)) }) } },
  );
  try {
    await store.set('a', { v: 1 });
    expect(store.pendingWriteBacks).toBe(1);
    breakerOpen = false;
    const flushing = store.flush();
    const newer = store.set('a', { v: 2 });
    const other = store.set('b', { v: 3 }); // not in the batch: not held back
    await other;
    await tick();
    expect(sent).toEqual(['sess:a=v1', 'sess:b=v3']);
    release();
    expect(await flushing).toBe(1);
    await newer;
    expect(sent).toEqual(['sess:a=v1', 'sess:b=v3', 'sess:a=v2']);
    expect(store.pendingWriteBacks).toBe(0);
  } finally {
    store.close();
  }
});
