/**
 * Ordering and visibility of a write against what is pending, with a stand-in client whose replies the test holds:
 * with a pool larger than one, a write and the write-back could travel on different connections, so the store itself
 * must order them; and a session must stay readable while a newer write of it is on its way.
 */
import { ReplyError } from 'ioredis';
import { expect, it } from 'vitest';
import type { ResilientClient } from '../../src/client/guarded-client.js';
import { noopInstrumentation } from '../../src/instrumentation.js';
import { createSessionStoreWith as createSessionStore } from './build.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A gate the test opens: until then, whatever awaits it is "on the wire, no reply yet". */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A Redis stand-in: a Map, a log of what was sent, and replies held until `replies.open()` when `held`. */
function standIn() {
  const data = new Map<string, string>();
  const sent: string[] = [];
  const state = { held: false, replies: gate(), failSet: undefined as Error | undefined };
  const reply = async () => {
    if (state.held) await state.replies.opened;
  };
  const client = {
    raw: { isCluster: false },
    async get(key: string) {
      return data.get(key) ?? null;
    },
    async set(key: string, value: string) {
      sent.push(`${key}=${value}`);
      await reply();
      if (state.failSet) throw state.failSet;
      data.set(key, value);
      return 'OK';
    },
    async del(key: string) {
      sent.push(`del ${key}`);
      await reply();
      return data.delete(key) ? 1 : 0;
    },
    pipeline() {
      const queued: [string, string | undefined][] = [];
      const chain = {
        set(key: string, value: string) {
          queued.push([key, value]);
          return chain;
        },
        del(key: string) {
          queued.push([key, undefined]);
          return chain;
        },
        async exec() {
          sent.push(...queued.map(([k, v]) => (v === undefined ? `del ${k}` : `${k}=${v}`)));
          await reply();
          for (const [k, v] of queued) v === undefined ? data.delete(k) : data.set(k, v);
          return queued.map(() => [null, 'OK']);
        },
      };
      return chain;
    },
  };
  return { client: client as unknown as ResilientClient, data, sent, state };
}

const serializer = { stringify: (s: { v: number }) => `v${s.v}`, parse: (t: string) => ({ v: Number(t.slice(1)) }) };

function storeOn(client: ResilientClient) {
  let breakerOpen = true;
  const store = createSessionStore(
    { client, instrumentation: noopInstrumentation, breakerOpen: () => breakerOpen },
    { serializer },
  );
  return {
    store,
    closeBreaker: () => {
      breakerOpen = false;
    },
  };
}

it('a newer write of a session in the write-back batch in flight is sent only once that batch has settled', async () => {
  const { client, sent, state } = standIn();
  const { store, closeBreaker } = storeOn(client);
  try {
    await store.set('a', { v: 1 });
    expect(store.pendingWriteBacks).toBe(1);
    closeBreaker();
    state.held = true;
    const flushing = store.flush();
    const newer = store.set('a', { v: 2 });
    await tick();
    expect(sent).toEqual(['sess:a=v1']);
    state.replies.open();
    expect(await flushing).toBe(1);
    await newer;
    expect(sent).toEqual(['sess:a=v1', 'sess:a=v2']);
    expect(store.pendingWriteBacks).toBe(0);
  } finally {
    store.close();
  }
});

it('while a newer write is on its way, the pending session stays readable; if Redis refuses it, the older write is kept', async () => {
  const { client, data, state } = standIn();
  const { store, closeBreaker } = storeOn(client);
  try {
    await store.set('a', { v: 1 }); // pending: Redis (the Map) does not have it
    closeBreaker();
    state.held = true;
    const newer = store.set('a', { v: 2 });
    await tick();
    expect(await store.get('a')).toEqual({ v: 1 }); // not "no session" while v2 has no reply yet
    expect(await store.flush()).toBe(0); // the older write is not written back behind the newer one
    state.replies.open();
    await newer;
    expect(await store.get('a')).toEqual({ v: 2 });
    expect(data.get('sess:a')).toBe('v2');

    // A newer write Redis refuses for good leaves the older pending write in place, to be written back.
    state.held = false;
    closeBreaker();
    const { store: other, closeBreaker: otherClose } = storeOn(client);
    await other.set('b', { v: 1 });
    otherClose();
    state.failSet = new ReplyError('ERR invalid expire time in set');
    await expect(other.set('b', { v: 2 })).rejects.toThrow('invalid expire time');
    state.failSet = undefined;
    expect(await other.get('b')).toEqual({ v: 1 });
    expect(await other.flush()).toBe(1);
    expect(data.get('sess:b')).toBe('v1');
    other.close();
  } finally {
    store.close();
  }
});
