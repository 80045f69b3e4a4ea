/**
 * `rr.sessions`: an express-session Store on Redis (`<prefix><sid>`, JSON, TTL from the cookie) that keeps
 * working while Redis is away. Reads fall back to a bounded in-memory LRU of sessions this instance has seen;
 * writes Redis cannot take are kept there as pending and written back once Redis answers again.
 */

import type { EventEmitter } from 'node:events';
import { isRedisUnavailableError } from '../errors/errors.js';
import type { CallTracker } from '../instrumentation.js';
import type { Outcome } from '../telemetry/catalog.js';
import type { FallbackDeps } from './deps.js';
import { loadStoreBase, type StoreBase } from './express-session.js';
import { type PendingEntry, SessionMemory } from './session-memory.js';
import type { SessionStoreOptions } from './types.js';
import { checkKeys, optionalString, positiveInt } from './validate.js';

/** A session as express-session hands it over: JSON-serializable, with its cookie (the only part read here). */
export interface SessionRecord {
  cookie?: { maxAge?: number | null; expires?: Date | string | null; originalMaxAge?: number | null } | undefined;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

/** Structurally an express-session `Store` (pass it as `session({ store: rr.sessions })`), plus write-back control. */
export interface SessionStore extends EventEmitter {
  // Sessions handed out are typed `any`: express-session's typings expect their own SessionData, a type this
  // package does not depend on; `any` keeps `session({ store: rr.sessions })` compiling without a cast.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  get(sid: string, callback: (err: unknown, session?: any) => void): void;
  set(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): void;
  destroy(sid: string, callback?: (err?: unknown) => void): void;
  touch(sid: string, session: SessionRecord, callback?: (err?: unknown) => void): void;
  /** From express-session's Store. */
  regenerate(req: never, callback: (err?: unknown) => void): void;
  /** From express-session's Store. */
  // biome-ignore lint/suspicious/noExplicitAny: see get
  load(sid: string, callback: (err: unknown, session?: any) => void): void;
  /** From express-session's Store. */
  // biome-ignore lint/suspicious/noExplicitAny: express-session's Session type, which this package does not depend on
  createSession(req: never, session: SessionRecord): any;
  /** Write pending sessions back to Redis now; resolves with how many reached it. */
  flush(): Promise<number>;
  /** Sessions written or destroyed during an outage that Redis has not received yet. */
  readonly pendingWriteBacks: number;
  /** Stop the write-back timer. Pending sessions not yet written back are lost. */
  close(): void;
}

export const SESSION_DEFAULTS = Object.freeze({
  prefix: 'sess:',
  ttlSeconds: 86_400,
  maxFallbackEntries: 10_000,
  writeBackIntervalMs: 1000,
});

/** Pending sessions sent per write-back round trip. */
const WRITE_BACK_BATCH = 100;

type Resolved = Required<SessionStoreOptions>;

/** Defaults merged and every field checked; called by createFallbacks at init, so a bad option fails there. */
export function resolveSessionOptions(opts: SessionStoreOptions = {}): Resolved {
  checkKeys('fallbacks.sessions', opts, Object.keys(SESSION_DEFAULTS));
  const f = 'fallbacks.sessions';
  return {
    prefix: optionalString(`${f}.prefix`, opts.prefix, SESSION_DEFAULTS.prefix),
    ttlSeconds: positiveInt(`${f}.ttlSeconds`, opts.ttlSeconds ?? SESSION_DEFAULTS.ttlSeconds),
    maxFallbackEntries: positiveInt(
      `${f}.maxFallbackEntries`,
      opts.maxFallbackEntries ?? SESSION_DEFAULTS.maxFallbackEntries,
    ),
    writeBackIntervalMs: positiveInt(
      `${f}.writeBackIntervalMs`,
      opts.writeBackIntervalMs ?? SESSION_DEFAULTS.writeBackIntervalMs,
    ),
  };
}

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

function defineStore(Base: StoreBase) {
  return class RedisResilienceSessionStore extends Base {
    private readonly memory: SessionMemory;
    private timer: NodeJS.Timeout | undefined;
    private writing: Promise<number> | undefined;
    private closed = false;

    constructor(
      private readonly deps: FallbackDeps,
      private readonly opts: Resolved,
    ) {
      super();
      this.memory = new SessionMemory(opts.maxFallbackEntries);
    }

    get pendingWriteBacks(): number {
      return this.memory.pendingCount;
    }

    get(sid: string, callback: Callback<SessionRecord | null>): void {
      this.run('session.get', callback, async (tracker) => {
        const local = this.memory.lookup(sid);
        // Written here during the outage and not yet written back: newer than anything Redis holds.
        if (local?.pending) return { value: parse(local.json), outcome: 'success' };
        const fromMemory = (reason: string): OpResult<SessionRecord | null> => ({
          value: local ? parse(local.json) : null,
          outcome: 'fallback',
          fallback: { reason, served: local !== undefined },
        });
        if (this.deps.breakerOpen?.()) return fromMemory('circuit_open');
        let raw: string | null;
        try {
          raw = await tracker.runInContext(() => this.deps.client.get(this.key(sid)));
        } catch (err) {
          if (isRedisUnavailableError(err)) return fromMemory(err.errorType);
          throw err;
        }
        this.redisAnswered();
        if (raw === null) {
          this.memory.forget(sid);
          return { value: null, outcome: 'success' };
        }
        const session = parse(raw);
        if (session) this.memory.remember(sid, raw, this.expiresAt(session));
        return { value: session, outcome: 'success' };
      });
    }

    set(sid: string, session: SessionRecord, callback?: Callback): void {
      this.run('session.set', callback, (tracker) => this.write(sid, session, tracker));
    }

    touch(sid: string, session: SessionRecord, callback?: Callback): void {
      this.run('session.touch', callback, async (tracker) => {
        // A session with an outage write pending is written whole: EXPIRE would extend what Redis lacks.
        if (this.memory.hasPending(sid)) return this.write(sid, session, tracker);
        const ttl = this.ttlOf(session);
        if (ttl <= 0) return this.remove(sid, tracker);
        if (this.deps.breakerOpen?.()) return this.keepPending(sid, session, 'circuit_open');
        try {
          await tracker.runInContext(() => this.deps.client.expire(this.key(sid), ttl));
        } catch (err) {
          // The user is active but Redis cannot hear it (and may lose the session, e.g. a restart without
          // persistence): keep the session pending so recovery writes it back.
          if (isRedisUnavailableError(err)) return this.keepPending(sid, session, err.errorType);
          throw err;
        }
        this.redisAnswered();
        this.memory.remember(sid, JSON.stringify(session), Date.now() + ttl * 1000);
        return { value: undefined, outcome: 'success' };
      });
    }

    destroy(sid: string, callback?: Callback): void {
      this.run('session.destroy', callback, (tracker) => this.remove(sid, tracker));
    }

    flush(): Promise<number> {
      this.writing ??= this.writeBack().finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }

    close(): void {
      this.closed = true;
      this.stopTimer();
    }

    private async write(sid: string, session: SessionRecord, tracker: CallTracker): Promise<OpResult<undefined>> {
      const ttl = this.ttlOf(session);
      if (ttl <= 0) return this.remove(sid, tracker);
      const json = JSON.stringify(session);
      const expiresAt = Date.now() + ttl * 1000;
      // Before sending: an older pending copy must never be written back after this one.
      this.memory.supersede(sid);
      if (this.deps.breakerOpen?.()) return this.pend(sid, json, expiresAt, 'circuit_open');
      try {
        await tracker.runInContext(() => this.deps.client.set(this.key(sid), json, 'EX', ttl));
      } catch (err) {
        if (isRedisUnavailableError(err)) return this.pend(sid, json, expiresAt, err.errorType);
        throw err;
      }
      this.memory.remember(sid, json, expiresAt);
      this.redisAnswered();
      return { value: undefined, outcome: 'success' };
    }

    private async remove(sid: string, tracker: CallTracker): Promise<OpResult<undefined>> {
      this.memory.supersede(sid);
      if (this.deps.breakerOpen?.()) return this.pend(sid, undefined, Number.POSITIVE_INFINITY, 'circuit_open');
      try {
        await tracker.runInContext(() => this.deps.client.del(this.key(sid)));
      } catch (err) {
        if (isRedisUnavailableError(err)) return this.pend(sid, undefined, Number.POSITIVE_INFINITY, err.errorType);
        throw err;
      }
      this.memory.forget(sid);
      this.redisAnswered();
      return { value: undefined, outcome: 'success' };
    }

    private keepPending(sid: string, session: SessionRecord, reason: string): OpResult<undefined> {
      return this.pend(sid, JSON.stringify(session), Date.now() + this.ttlOf(session) * 1000, reason);
    }

    /** Redis could not take this write: keep it in memory and make sure the write-back loop runs. */
    private pend(sid: string, json: string | undefined, expiresAt: number, reason: string): OpResult<undefined> {
      this.memory.markDirty(sid, json, expiresAt);
      this.startTimer();
      return { value: undefined, outcome: 'fallback', fallback: { reason, served: true } };
    }

    /** A Redis call just succeeded: if outage writes are waiting, this is the moment to send them. */
    private redisAnswered(): void {
      if (this.memory.pendingCount > 0 && !this.writing) void this.flush();
    }

    private async writeBack(): Promise<number> {
      let written = 0;
      while (!this.closed && !this.deps.breakerOpen?.()) {
        const batch = this.memory.oldestPending(WRITE_BACK_BATCH);
        if (batch.length === 0) break;
        const pipeline = this.deps.client.pipeline();
        const now = Date.now();
        for (const e of batch) {
          if (e.json === undefined) pipeline.del(this.key(e.sid));
          else pipeline.set(this.key(e.sid), e.json, 'EX', Math.max(1, Math.ceil((e.expiresAt - now) / 1000)));
        }
        let replies: [error: Error | null, result: unknown][] | null;
        try {
          replies = await pipeline.exec();
        } catch {
          break; // still unavailable (or the batch failed as a whole): the timer tries again
        }
        batch.forEach((entry: PendingEntry, i) => {
          // A command error on one key will not heal by retrying; drop it rather than block the others.
          if (!replies?.[i]?.[0]) written++;
          this.memory.settle(entry);
        });
      }
      if (this.memory.pendingCount === 0) this.stopTimer();
      return written;
    }

    private startTimer(): void {
      if (this.timer || this.closed) return;
      this.timer = setInterval(() => {
        if (!this.writing) void this.flush();
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

    /** Seconds left per the cookie (maxAge, else expires), or the default TTL when the cookie sets neither. */
    private ttlOf(session: SessionRecord): number {
      const cookie = session?.cookie;
      if (typeof cookie?.maxAge === 'number') return Math.ceil(cookie.maxAge / 1000);
      if (cookie?.expires) return Math.ceil((new Date(cookie.expires).getTime() - Date.now()) / 1000);
      return this.opts.ttlSeconds;
    }

    private expiresAt(session: SessionRecord): number {
      return Date.now() + this.ttlOf(session) * 1000;
    }

    /** One store call: a logical span, the fallback counted when memory stood in, and the callback called once. */
    private run<T>(operation: string, callback: Callback<T> | undefined, fn: (t: CallTracker) => Promise<OpResult<T>>) {
      const { instrumentation } = this.deps;
      const tracker = instrumentation.startCall(operation, []);
      let p: Promise<OpResult<T>>;
      try {
        p = fn(tracker);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (r) => {
          if (r.fallback) {
            tracker.fallback('session_store', r.fallback.reason, r.fallback.served);
          }
          tracker.end(r.fallback && !r.fallback.served ? 'failure' : r.outcome, 0);
          if (callback) process.nextTick(callback, null, r.value);
        },
        (err: unknown) => {
          tracker.end('command_error', 0, err);
          if (callback) process.nextTick(callback, err);
        },
      );
    }
  };
}

/** A stored session that is not valid JSON reads as no session (the user logs in again) rather than a 500. */
function parse(json: string | undefined): SessionRecord | null {
  if (json === undefined) return null;
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as SessionRecord) : null;
  } catch {
    return null;
  }
}
