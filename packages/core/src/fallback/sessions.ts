/**
 * `rr.sessions`: connect-redis's Store (same keys `<prefix><sid>`, serializer, options and methods, with callbacks or
 * promises) that keeps working while Redis is away. Reads fall back to a bounded in-memory LRU of sessions this
 * instance has seen; writes Redis cannot take are kept there as pending, each until Redis acknowledges it.
 */
import type { EventEmitter } from 'node:events';
import { classifyError, type ErrorType } from '../errors/classify.js';
import { ClientClosedError, isRedisUnavailableError } from '../errors/errors.js';
import type { CallTracker } from '../instrumentation.js';
import type { Outcome } from '../telemetry/catalog.js';
import { loadStoreBase, type StoreBase } from './express-session.js';
import { type PendingEntry, SessionMemory } from './session-memory.js';
import { type ResolvedSessionOptions, resolveSessionOptions, sessionTtl } from './session-options.js';
import { inChunks, scanKeys } from './session-scan.js';
import { sendWriteBack, verdict, type WriteBackCommand, writeCommand } from './session-write-back.js';
import type { FallbackDeps, SessionRecord, SessionStoreOptions } from './types.js';

export type { SessionRecord } from './types.js';

// Sessions handed out are typed `any`: express-session's typings expect their own SessionData, a type this package
// does not depend on; `any` keeps `session({ store: rr.sessions })` compiling without a cast.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnySession = any;
type Callback<T> = (err: unknown, value?: T) => void;

/**
 * connect-redis's Store, structurally an express-session `Store` (`session({ store: rr.sessions })`), plus write-back
 * control. Each method takes a callback, or returns a promise; with a callback the promise never rejects.
 */
export interface SessionStore extends EventEmitter {
  get(sid: string): Promise<AnySession>;
  get(sid: string, callback: (err: unknown, session?: AnySession) => void): Promise<AnySession>;
  set(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): Promise<void>;
  destroy(sid: string, callback?: (err?: unknown) => void): Promise<void>;
  /** Extends the session's TTL (a no-op with `disableTouch` or `disableTTL`). */
  touch(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): Promise<void>;
  /** Deletes every session under the prefix (SCAN + DEL), and everything this instance holds in memory. */
  clear(callback?: (err?: unknown) => void): Promise<void>;
  /** How many sessions exist (SCAN). */
  length(callback?: (err: unknown, length?: number) => void): Promise<number>;
  /** Every session id (SCAN). */
  ids(callback?: (err: unknown, ids?: string[]) => void): Promise<string[]>;
  /** Every session, each with its `id` (SCAN + MGET). */
  all(callback?: (err: unknown, sessions?: AnySession[]) => void): Promise<AnySession[]>;
  /** From express-session's Store. */
  regenerate(req: never, callback: (err?: unknown) => void): void;
  /** From express-session's Store. */
  load(sid: string, callback: (err: unknown, session?: AnySession) => void): void;
  /** From express-session's Store. */
  createSession(req: never, session: SessionRecord): AnySession;
  /** Write pending sessions back to Redis now; resolves with how many Redis acknowledged. */
  flush(): Promise<number>;
  /** Sessions written or destroyed while Redis could not take them, that Redis has not acknowledged yet. */
  readonly pendingWriteBacks: number;
  /** Stop the write-back; every method then fails with ClientClosedError. Pending sessions are lost (and counted). */
  close(): void;
}

/** Pending sessions sent per write-back round trip. */
const WRITE_BACK_BATCH = 100;

export function createSessionStore(deps: FallbackDeps, opts: SessionStoreOptions = {}): SessionStore {
  const resolved = resolveSessionOptions(opts);
  const Impl = storeClass(loadStoreBase());
  return new Impl(deps, resolved) as unknown as SessionStore;
}

let cached: { base: StoreBase; impl: ReturnType<typeof defineStore> } | undefined;

function storeClass(base: StoreBase): ReturnType<typeof defineStore> {
  if (cached?.base !== base) cached = { base, impl: defineStore(base) };
  return cached.impl;
}

/** What a store operation produced, and how telemetry should see it. */
interface OpResult<T> {
  value: T;
  outcome: Outcome;
  /** Set when Redis was unavailable and memory answered (or could not). */
  fallback?: { reason: string; served: boolean };
}

const ok = <T>(value: T): OpResult<T> => ({ value, outcome: 'success' });

/** Why Redis could not take a call right now, or undefined for an error that is the call's own. */
function unavailableReason(err: unknown): string | undefined {
  if (isRedisUnavailableError(err)) return err.errorType;
  // OOM: Redis refuses writes until memory is freed; however it arrives, memory keeps the write meanwhile.
  return classifyError(err).type === 'oom' ? 'oom' : undefined;
}

/** Duck-typed (ioredis's own flag), so that it holds whichever copy of ioredis built the client. */
function isCluster(deps: FallbackDeps): boolean {
  return (deps.client as { raw?: { isCluster?: unknown } }).raw?.isCluster === true;
}

function defineStore(Base: StoreBase) {
  return class RedisResilienceSessionStore extends Base {
    private readonly memory: SessionMemory;
    /** Redis Cluster: a batch's keys span many slots, so write-backs go as single commands. */
    private readonly cluster: boolean;
    private timer: NodeJS.Timeout | undefined;
    private writing: Promise<number> | undefined;
    /** The write-back batch in flight: a newer write of one of its sessions waits for it, so that it lands last. */
    private inFlight: { sids: ReadonlySet<string>; done: Promise<unknown> } | undefined;
    /** After a round that left entries pending, the next waits for the timer rather than follow every call. */
    private retryAfter = 0;
    private closed = false;

    constructor(
      private readonly deps: FallbackDeps,
      private readonly opts: ResolvedSessionOptions,
    ) {
      super();
      const { instrumentation } = deps;
      this.memory = new SessionMemory(opts.maxFallbackEntries, Date.now, {
        pendingCount: (n) => instrumentation.sessionPending(n),
        evictedPending: () => instrumentation.sessionDropped('evicted', 1),
      });
      this.cluster = isCluster(deps);
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
        this.redisAnswered();
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
        this.redisAnswered();
        // EXPIRE answers 0 when Redis has no such session: keep no copy of what Redis lacks.
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
        this.requireScan('clear');
        // A write-back in flight must not land after the DELs and bring a session back.
        await this.writing;
        // Pending writes are older than this clear: none may be written back after it, whether it succeeds or not.
        this.memory.clear();
        const keys = await tracker.runInContext(() => this.scan());
        await inChunks(keys, async (chunk) => {
          await this.deps.client.del(...chunk);
          return [];
        });
        return ok(undefined);
      });
    }

    length(callback?: Callback<number>) {
      return this.run('session.length', callback, async (tracker) =>
        ok((await this.liveIds(tracker, 'length')).length),
      );
    }

    ids(callback?: Callback<string[]>) {
      return this.run('session.ids', callback, async (tracker) => ok(await this.liveIds(tracker, 'ids')));
    }

    all(callback?: Callback<SessionRecord[]>) {
      return this.run('session.all', callback, async (tracker) => {
        const ids = await this.liveIds(tracker, 'all');
        const pending = new Map(this.memory.pendingEntries().map((e) => [e.sid, e.json]));
        const inRedis = ids.filter((id) => !pending.has(id));
        const raws = await tracker.runInContext(() =>
          inChunks(inRedis, (chunk) => this.deps.client.mget(...chunk.map((id) => this.key(id)))),
        );
        const texts = [...inRedis.map((id, i) => [id, raws[i] ?? undefined] as const), ...pending];
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
      this.writing ??= this.writeBack().finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }

    close(): void {
      if (this.closed) return;
      this.closed = true;
      this.stopTimer();
      const lost = this.memory.clear();
      if (lost > 0) this.deps.instrumentation.sessionDropped('closed', lost);
    }

    private async write(sid: string, session: SessionRecord, tracker: CallTracker): Promise<OpResult<undefined>> {
      const ttl = this.ttlOf(session);
      // An expired cookie (or a `ttl` function's 0) ends the session, as in connect-redis.
      if (!(ttl > 0)) return this.remove(sid, tracker);
      const json = this.opts.serializer.stringify(session);
      const expiresAt = Date.now() + ttl * 1000;
      await this.inFlightWith(sid);
      // Before sending: an older pending copy must never be written back after this one.
      this.memory.supersede(sid);
      if (this.deps.breakerOpen?.()) return this.pend(sid, json, expiresAt, 'circuit_open');
      const command: WriteBackCommand = {
        key: this.key(sid),
        json,
        ttlSeconds: this.opts.disableTTL ? undefined : ttl,
      };
      try {
        await tracker.runInContext(() => writeCommand<Promise<unknown>>(this.deps.client, command));
      } catch (err) {
        const reason = unavailableReason(err);
        if (reason === undefined) throw err;
        return this.pend(sid, json, expiresAt, reason);
      }
      this.memory.remember(sid, json, expiresAt);
      this.redisAnswered();
      return ok(undefined);
    }

    private async remove(sid: string, tracker: CallTracker): Promise<OpResult<undefined>> {
      await this.inFlightWith(sid);
      this.memory.supersede(sid);
      const never = Number.POSITIVE_INFINITY;
      if (this.deps.breakerOpen?.()) return this.pend(sid, undefined, never, 'circuit_open');
      try {
        await tracker.runInContext(() => this.deps.client.del(this.key(sid)));
      } catch (err) {
        const reason = unavailableReason(err);
        if (reason === undefined) throw err;
        return this.pend(sid, undefined, never, reason);
      }
      this.memory.forget(sid);
      this.redisAnswered();
      return ok(undefined);
    }

    /** Redis could not take this write: keep it in memory and make sure the write-back loop runs. */
    private pend(sid: string, json: string | undefined, expiresAt: number, reason: string): OpResult<undefined> {
      this.memory.markDirty(sid, json, expiresAt);
      this.startTimer();
      return { value: undefined, outcome: 'fallback', fallback: { reason, served: true } };
    }

    /** Resolves once the write-back batch in flight is over, if it carries `sid`. */
    private async inFlightWith(sid: string): Promise<void> {
      const f = this.inFlight;
      if (f?.sids.has(sid)) await f.done;
    }

    /** A Redis call just succeeded: if outage writes are waiting, this is the moment to send them. */
    private redisAnswered(): void {
      if (this.memory.pendingCount > 0 && !this.writing && !this.closed && Date.now() >= this.retryAfter) {
        void this.flush();
      }
    }

    /**
     * One round over what is pending now, oldest first, in batches. Each entry leaves memory only once Redis
     * acknowledged it; the round stops at the first batch that left entries pending (Redis is struggling).
     */
    private async writeBack(): Promise<number> {
      let written = 0;
      const round = this.memory.pendingEntries();
      for (let i = 0; i < round.length && !this.closed && !this.deps.breakerOpen?.(); i += WRITE_BACK_BATCH) {
        const batch = round.slice(i, i + WRITE_BACK_BATCH).filter((e) => this.memory.isCurrent(e));
        if (batch.length === 0) continue;
        const outcome = this.settle(batch, await this.send(batch));
        written += outcome.written;
        if (outcome.kept > 0) {
          this.retryAfter = Date.now() + this.opts.writeBackIntervalMs;
          break;
        }
      }
      if (this.memory.pendingCount === 0) this.stopTimer();
      return written;
    }

    private async send(batch: readonly PendingEntry[]): Promise<unknown[]> {
      const now = Date.now();
      const commands = batch.map(
        (e): WriteBackCommand => ({
          key: this.key(e.sid),
          json: e.json,
          ttlSeconds: this.opts.disableTTL ? undefined : Math.max(1, Math.ceil((e.expiresAt - now) / 1000)),
        }),
      );
      const done = sendWriteBack(this.deps.client, commands, !this.cluster);
      this.inFlight = { sids: new Set(batch.map((e) => e.sid)), done };
      try {
        return await done;
      } finally {
        this.inFlight = undefined;
      }
    }

    /** Each entry by its own reply: acknowledged ones leave memory, the rest stay pending unless refused for good. */
    private settle(batch: readonly PendingEntry[], errors: readonly unknown[]): { written: number; kept: number } {
      const { instrumentation } = this.deps;
      const failed = new Map<ErrorType, number>();
      let written = 0;
      let kept = 0;
      let dropped = 0;
      batch.forEach((entry, i) => {
        const v = verdict(errors[i] ?? null);
        if (v.action === 'written') {
          this.memory.settle(entry);
          written++;
          return;
        }
        failed.set(v.errorType, (failed.get(v.errorType) ?? 0) + 1);
        if (v.action === 'retry') kept++;
        else if (this.memory.drop(entry)) dropped++;
      });
      for (const [errorType, n] of failed) instrumentation.sessionWriteBackFailed(errorType, n);
      if (dropped > 0) instrumentation.sessionDropped('command_error', dropped);
      return { written, kept };
    }

    /** Session ids in Redis, with this instance's pending writes applied: its outage sessions in, its destroys out. */
    private async liveIds(tracker: CallTracker, method: string): Promise<string[]> {
      this.requireScan(method);
      const keys = await tracker.runInContext(() => this.scan());
      const ids = new Set(keys.map((k) => k.slice(this.opts.prefix.length)));
      for (const e of this.memory.pendingEntries()) {
        if (e.json === undefined) ids.delete(e.sid);
        else ids.add(e.sid);
      }
      return [...ids];
    }

    private scan(): Promise<string[]> {
      return scanKeys(this.deps.client, this.opts.prefix, this.opts.scanCount);
    }

    /** SCAN through the guarded client reaches one Cluster node: an answer about a fraction of the sessions. */
    private requireScan(method: string): void {
      if (this.cluster) {
        throw new Error(`rr.sessions.${method}() is not available on Redis Cluster: SCAN would cover one node only`);
      }
    }

    private startTimer(): void {
      if (this.timer || this.closed) return;
      this.timer = setInterval(() => {
        if (!this.writing && !this.closed) void this.flush();
      }, this.opts.writeBackIntervalMs);
      this.timer.unref(); // pending sessions must not keep a process alive that is otherwise done
    }

    private stopTimer(): void {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    }

    private key(sid: string): string {
      return this.opts.prefix + sid;
    }

    private ttlOf(session: SessionRecord): number {
      return sessionTtl(this.opts, session);
    }

    /** A stored session the serializer cannot read is no session (the user logs in again), not a 500. */
    private async parse(text: string | undefined): Promise<SessionRecord | null> {
      if (text === undefined) return null;
      try {
        const v: unknown = await this.opts.serializer.parse(text);
        return typeof v === 'object' && v !== null ? (v as SessionRecord) : null;
      } catch {
        return null;
      }
    }

    /**
     * One store call: refused at once after close; otherwise a logical span, the fallback counted when memory
     * stood in (or could not), and the callback called once, outside the promise chain.
     */
    private run<T>(
      operation: string,
      callback: Callback<T> | undefined,
      fn: (t: CallTracker) => Promise<OpResult<T>>,
    ): Promise<T | undefined> {
      const result = this.closed ? Promise.reject(new ClientClosedError(operation)) : this.traced(operation, fn);
      if (!callback) return result;
      return result.then(
        (value) => {
          process.nextTick(callback, null, value);
          return value;
        },
        (err: unknown) => {
          process.nextTick(callback, err);
          return undefined;
        },
      );
    }

    private traced<T>(operation: string, fn: (t: CallTracker) => Promise<OpResult<T>>): Promise<T> {
      const { instrumentation } = this.deps;
      const tracker = instrumentation.startCall(operation, []);
      const fallback = (reason: string, served: boolean) => {
        tracker.fallback('session_store', reason, served);
        instrumentation.fallbackInvoked('session_store', reason, served);
      };
      return fn(tracker).then(
        (r) => {
          if (r.fallback) fallback(r.fallback.reason, r.fallback.served);
          tracker.end(r.fallback && !r.fallback.served ? 'failure' : r.outcome, 0);
          return r.value;
        },
        (err: unknown) => {
          const reason = unavailableReason(err);
          // Memory cannot answer this one (a whole-store read, or a clear): a fallback that could not serve.
          if (reason !== undefined) fallback(reason, false);
          tracker.end(reason === undefined ? 'command_error' : 'failure', 0, err);
          throw err;
        },
      );
    }
  };
}
