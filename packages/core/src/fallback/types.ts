/**
 * Public types of the fallbacks: the codec and the options of each fallback. What they need from `init()` is
 * internal (deps.ts).
 * Internal helpers keep their own types beside them; only these are meant to be exported from the package.
 */
import type { EventEmitter } from 'node:events';

/** Turns cached values into Redis strings and back. `decode` may throw: a value it rejects counts as a miss. */
export type Codec<T = unknown> = TextCodec<T> | BinaryCodec<T>;

export interface TextCodec<T = unknown> {
  /** Read values as strings (GET). @default false */
  readonly binary?: false;
  encode(value: T): string | Buffer;
  decode(raw: string): T;
}

export interface BinaryCodec<T = unknown> {
  /** Read values as Buffers (GET with a Buffer reply), for binary formats such as MessagePack. */
  readonly binary: true;
  encode(value: T): string | Buffer;
  decode(raw: Buffer): T;
}

export interface CacheOptions {
  /** Time to live of a populated entry. @default 300 */
  ttlSeconds?: number;
  /** @default JSON */
  codec?: Codec;
  /**
   * Longest a loader may run. Past it, every caller waiting on that load rejects with LoaderTimeoutError, the loader's
   * `signal` is aborted, its late result is dropped (not cached), and the next call for the key starts a fresh load.
   * @default 10000
   */
  loaderTimeoutMs?: number;
}

/** Reads the primary source for `cache.getOrLoad`. `signal` aborts on loader timeout or close(): pass it on to your query. */
export type Loader<T> = (context: { signal: AbortSignal }) => Promise<T> | T;

export interface GetOrLoadOptions<T> {
  /** Overrides the cache's `ttlSeconds` for this entry. */
  ttlSeconds?: number;
  /** Overrides the cache's codec for this entry. */
  codec?: Codec<T>;
  /** Overrides the cache's `loaderTimeoutMs` for a load this call starts (callers that join a running load share its timeout). */
  loaderTimeoutMs?: number;
}

/** A session as express-session hands it over: serializable, with its cookie (the only part the store reads). */
export interface SessionRecord {
  cookie?: { maxAge?: number | null; expires?: Date | string | null; originalMaxAge?: number | null } | undefined;
  /** The app's own fields. `any`, not `unknown`: express-session's SessionData (an interface) must fit. */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  [field: string]: any;
}

/**
 * Turns sessions into the strings stored in Redis and back, as connect-redis's `serializer`. `parse` may return a
 * promise. Sessions are handed over typed `any`: express-session's SessionData is not a dependency of this package.
 */
export interface SessionSerializer {
  // biome-ignore lint/suspicious/noExplicitAny: see above; JSON itself is accepted as is
  parse(text: string): any;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  stringify(session: any): string;
}

/** connect-redis's options under the same names, meanings and defaults, plus the outage fallback's own. */
export interface SessionStoreOptions {
  /** Key prefix: sessions live at `<prefix><sid>`. @default 'sess:' */
  prefix?: string;
  /**
   * Seconds a session lives in Redis when its cookie has no `expires`. Or a function of the session returning its
   * seconds, which then wins over the cookie. A result of 0 or less removes the session. @default 86400
   */
  // biome-ignore lint/suspicious/noExplicitAny: the session is express-session's SessionData, see SessionSerializer
  ttl?: number | ((session: any) => number);
  /** @deprecated The former name of a numeric `ttl`; still accepted. */
  ttlSeconds?: number;
  /** `touch` does nothing: an untouched session expires at its TTL even if its user stays active. @default false */
  disableTouch?: boolean;
  /** Sessions are stored without a TTL (and `touch` does nothing); something else must delete them. @default false */
  disableTTL?: boolean;
  /** @default JSON */
  serializer?: SessionSerializer;
  /** The COUNT hint of the SCAN behind `clear`, `length`, `ids` and `all`. @default 100 */
  scanCount?: number;
  /** Sessions kept in memory for outages (recently used ones, plus those written during the outage). @default 10000 */
  maxFallbackEntries?: number;
  /** How often sessions Redis did not take yet are written back. @default 1000 */
  writeBackIntervalMs?: number;
}

// Sessions handed out are typed `any`: express-session's typings expect their own SessionData, a type this package
// does not depend on; `any` keeps `session({ store: rr.sessions })` compiling without a cast.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnySession = any;

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

export interface StreamQueueOptions {
  /** SQLite file of the durable spool; its directory is created. @default './.redis-resilience/spool.db' */
  spoolPath?: string;
  /**
   * `process`: an append survives the process dying (SIGKILL, OOM kill, crash) as soon as `publish` resolves; it is
   * in the OS page cache, written to disk within moments (SQLite WAL, synchronous=NORMAL). `machine`: it also survives
   * power loss or a kernel crash, at the price of an fsync per message on the event loop (SQLite synchronous=FULL;
   * tens to hundreds of ms per message on a busy disk). @default 'process'
   */
  durability?: 'process' | 'machine';
  /** Messages the spool holds at most, over all streams; beyond it `publish` rejects with SpoolFullError. @default 100000 */
  maxSpooled?: number;
  /** Failed replays (command errors) before a message moves to the dead-letter stream. @default 5 */
  maxReplayAttempts?: number;
  /** Dead letters go to `<stream><deadLetterSuffix>`. @default ':dead' */
  deadLetterSuffix?: string;
  /** How often a non-empty spool is replayed. @default 1000 */
  replayIntervalMs?: number;
  /** How long an idempotency id is remembered in Redis; must outlast the longest outage plus replay. @default 86400 */
  dedupTtlSeconds?: number;
}

/** A stream message: field/value pairs, or a string (sent as the single field `data`). */
export type StreamPayload = Readonly<Record<string, string | number | Buffer>> | string;

export interface PublishOptions {
  /** Idempotency id; a publish with an id already seen within `dedupTtlSeconds` is not added again. @default a UUIDv7 */
  id?: string;
}

export interface PublishResult {
  /** The idempotency id (also sent as the `idempotency_id` field). */
  id: string;
  /** true when the message went to the local spool and will reach Redis on replay. */
  spooled: boolean;
  /** The stream entry id, when the message reached Redis now. */
  streamId?: string;
}

/** The fallback options `init()` may accept, one section per fallback. */
export interface FallbackOptions {
  cache?: CacheOptions;
  sessions?: SessionStoreOptions;
  queue?: StreamQueueOptions;
}
