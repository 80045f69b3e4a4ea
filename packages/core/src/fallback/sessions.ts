/**
 * `rr.sessions`: connect-redis's Store (same keys `<prefix><sid>`, serializer, options and methods, with callbacks or
 * promises) that keeps working while Redis is away. Reads fall back to a bounded in-memory LRU of sessions this
 * instance has seen; writes Redis cannot take are kept there as pending, each until Redis acknowledges it.
 */
import { ClientClosedError } from '../errors/errors.js';
import type { CallTracker } from '../instrumentation.js';
import type { FallbackDeps } from './deps.js';
import { loadStoreBase, type StoreBase } from './express-session.js';
import { type Callback, type OpResult, ok, storeCall, unavailableReason } from './session-calls.js';
import { SessionMemory } from './session-memory.js';
import { parseSession, type ResolvedSessionOptions, sessionTtl } from './session-options.js';
import { deleteAll, isCluster, liveIds, requireScan, storedTexts } from './session-scan.js';
import { writeCommand } from './session-write-back.js';
import { WriteBackLoop } from './session-write-back-loop.js';
import type { SessionRecord, SessionStore } from './types.js';

export type { SessionRecord, SessionStore } from './types.js';

/** `opts`: the store's options, checked and merged at init (options/fallbacks.ts). */
export function createSessionStore(deps: FallbackDeps, opts: ResolvedSessionOptions): SessionStore {
  const Impl = storeClass(loadStoreBase());
  return new Impl(deps, opts) as unknown as SessionStore;
}

let cached: { base: StoreBase; impl: ReturnType<typeof defineStore> } | undefined;

function storeClass(base: StoreBase): ReturnType<typeof defineStore> {
  if (cached?.base !== base) cached = { base, impl: defineStore(base) };
  return cached.impl;
}

const NEVER = Number.POSITIVE_INFINITY;

function defineStore(Base: StoreBase) {
  return class RedisResilienceSessionStore extends Base {
    private readonly memory: SessionMemory;
    private readonly writeBack: WriteBackLoop;
    private closed = false;

    constructor(
      private readonly deps: FallbackDeps,
      private readonly opts: ResolvedSessionOptions,
    ) {
      super();
      const { instrumentation } = deps;
      this.memory = new SessionMemory(opts.maxFallbackEntries, Date.now, {
        pendingCount: (n) => instrumentation.emit('sessionPending', { count: n }),
        evictedPending: () => instrumentation.emit('sessionDropped', { reason: 'evicted', count: 1 }),
      });
      this.writeBack = new WriteBackLoop(deps, this.memory, opts, !isCluster(deps.client));
    }

    get pendingWriteBacks(): number {
      return this.memory.pendingCount;
    }

    get(sid: string, callback?: Callback<SessionRecord | null>) {
      return this.run('session.get', callback, async (tracker) => {
        const local = this.memory.lookup(sid);
        // Written here while Redis could not take it: newer than anything Redis holds.
        if (local?.pending) return ok(await this.parse(local.json));
        const fromMemory = async (reason: string): Promise<OpResult<SessionRecord | null>> => ({
          value: local ? await this.parse(local.json) : null,
          outcome: 'fallback',
          fallback: { reason, served: local !== undefined },
        });
        if (this.deps.breakerOpen?.()) return fromMemory('circuit_open');
        let raw: string | null;
        try {
          raw = await tracker.runInContext(() => this.deps.client.get(this.key(sid)));
        } catch (err) {
          const reason = unavailableReason(err);
          if (reason === undefined) throw err;
          return fromMemory(reason);
        }
        this.writeBack.redisAnswered();
        if (raw === null) {
          this.memory.forget(sid);
          return ok(null);
        }
        const session = await this.parse(raw);
        if (session) this.memory.remember(sid, raw, Date.now() + this.ttlOf(session) * 1000);
        return ok(session);
      });
    }

    set(sid: string, session: SessionRecord, callback?: Callback<undefined>) {
      return this.run('session.set', callback, (tracker) => this.write(sid, session, tracker));
    }

    touch(sid: string, session: SessionRecord, callback?: Callback<undefined>) {
      return this.run('session.touch', callback, async (tracker) => {
        if (this.opts.disableTouch || this.opts.disableTTL) return ok(undefined);
        // A session with a write pending is written whole: EXPIRE would extend what Redis lacks.
        if (this.memory.hasPending(sid)) return this.write(sid, session, tracker);
        const ttl = this.ttlOf(session);
        if (!(ttl > 0)) return this.remove(sid, tracker);
        // The user is active but Redis cannot hear it (and may lose the session, e.g. a restart without
        // persistence): keep the whole session pending so that the write-back restores it.
        const keep = (reason: string) =>
          this.pend(sid, this.opts.serializer.stringify(session), Date.now() + ttl * 1000, reason);
        if (this.deps.breakerOpen?.()) return keep('circuit_open');
        let found: number;
        try {
          found = await tracker.runInContext(() => this.deps.client.expire(this.key(sid), ttl));
        } catch (err) {
          const reason = unavailableReason(err);
          if (reason === undefined) throw err;
          return keep(reason);
        }
        this.writeBack.redisAnswered();
        // EXPIRE answers 0 when Redis has no such session (another instance destroyed it): keep no copy of it.
        if (found === 1) this.memory.remember(sid, this.opts.serializer.stringify(session), Date.now() + ttl * 1000);
        else this.memory.forget(sid);
        return ok(undefined);
      });
    }

    destroy(sid: string, callback?: Callback<undefined>) {
      return this.run('session.destroy', callback, (tracker) => this.remove(sid, tracker));
    }

    clear(callback?: Callback<undefined>) {
      return this.run('session.clear', callback, async (tracker) => {
        requireScan(this.deps.client, 'clear');
        // A write-back in flight must not land after the DELs and bring a session back.
        await this.writeBack.current;
        // Pending writes are older than this clear: none may be written back after it, whether it succeeds or not.
        this.memory.clear();
        await tracker.runInContext(() => deleteAll(this.deps.client, this.opts));
        return ok(undefined);
      });
    }

    length(callback?: Callback<number>) {
      return this.run('session.length', callback, async (tracker) =>
        ok((await this.listIds(tracker, 'length')).length),
      );
    }

    ids(callback?: Callback<string[]>) {
      return this.run('session.ids', callback, async (tracker) => ok(await this.listIds(tracker, 'ids')));
    }

    all(callback?: Callback<SessionRecord[]>) {
      return this.run('session.all', callback, async (tracker) => {
        const ids = await this.listIds(tracker, 'all');
        const texts = await tracker.runInContext(() =>
          storedTexts(this.deps.client, this.opts.prefix, this.memory, ids),
        );
        const sessions: SessionRecord[] = [];
        for (const [id, text] of texts) {
          const session = await this.parse(text);
          if (session) sessions.push(Object.assign(session, { id }));
        }
        return ok(sessions);
      });
    }

    flush(): Promise<number> {
      if (this.closed) return Promise.reject(new ClientClosedError('session.flush'));
      return this.writeBack.flush();
    }

    close(): void {
      if (this.closed) return;
      this.closed = true;
      this.writeBack.stop();
      const lost = this.memory.clear();
      if (lost > 0) this.deps.instrumentation.emit('sessionDropped', { reason: 'closed', count: lost });
    }

    private write(sid: string, session: SessionRecord, tracker: CallTracker): Promise<OpResult<undefined>> {
      const ttl = this.ttlOf(session);
      // An expired cookie (or a `ttl` function's 0) ends the session, as in connect-redis.
      if (!(ttl > 0)) return this.remove(sid, tracker);
      const json = this.opts.serializer.stringify(session);
      const ttlSeconds = this.opts.disableTTL ? undefined : ttl;
      return this.writeThrough(sid, json, Date.now() + ttl * 1000, ttlSeconds, tracker);
    }

    private remove(sid: string, tracker: CallTracker): Promise<OpResult<undefined>> {
      return this.writeThrough(sid, undefined, NEVER, undefined, tracker);
    }

    /** One write of `sid` to Redis (`json` undefined: a destroy), kept in memory when Redis cannot take it now. */
    private async writeThrough(
      sid: string,
      json: string | undefined,
      expiresAt: number,
      ttlSeconds: number | undefined,
      tracker: CallTracker,
    ): Promise<OpResult<undefined>> {
      await this.writeBack.inFlightWith(sid);
      // An older pending copy must never be written back after this one; readers still see it meanwhile.
      const older = this.memory.supersede(sid);
      if (this.deps.breakerOpen?.()) return this.pend(sid, json, expiresAt, 'circuit_open');
      try {
        await tracker.runInContext(() =>
          writeCommand<Promise<unknown>>(this.deps.client, { key: this.key(sid), json, ttlSeconds }),
        );
      } catch (err) {
        const reason = unavailableReason(err);
        if (reason !== undefined) return this.pend(sid, json, expiresAt, reason);
        this.memory.restore(older);
        throw err;
      }
      this.memory.written(sid, older, json, expiresAt);
      this.writeBack.redisAnswered();
      return ok(undefined);
    }

    /** Redis could not take this write: keep it in memory until the write-back loop gets it acknowledged. */
    private pend(sid: string, json: string | undefined, expiresAt: number, reason: string): OpResult<undefined> {
      this.memory.markDirty(sid, json, expiresAt);
      this.writeBack.schedule();
      return { value: undefined, outcome: 'fallback', fallback: { reason, served: true } };
    }

    private async listIds(tracker: CallTracker, method: string): Promise<string[]> {
      requireScan(this.deps.client, method);
      return tracker.runInContext(() => liveIds(this.deps.client, this.opts, this.memory));
    }

    private key(sid: string): string {
      return this.opts.prefix + sid;
    }

    private ttlOf(session: SessionRecord): number {
      return sessionTtl(this.opts, session);
    }

    private parse(text: string | undefined): Promise<SessionRecord | null> {
      return parseSession(this.opts.serializer, text);
    }

    private run<T>(operation: string, callback: Callback<T> | undefined, fn: (t: CallTracker) => Promise<OpResult<T>>) {
      const closed = this.closed || this.deps.closed?.() === true;
      return storeCall(this.deps.instrumentation, closed, operation, callback, fn);
    }
  };
}
