/**
 * Public types of the fallbacks: the codec and the options of each fallback. What they need from `init()` is
 * internal (deps.ts).
 * Internal helpers keep their own types beside them; only these are meant to be exported from the package.
 */

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

export interface SessionStoreOptions {
  /** Key prefix: sessions live at `<prefix><sid>`. @default 'sess:' */
  prefix?: string;
  /** TTL when the session cookie has no maxAge/expires. @default 86400 */
  ttlSeconds?: number;
  /** Sessions kept in memory for outages (recently used ones, plus those written during the outage). @default 10000 */
  maxFallbackEntries?: number;
  /** How often sessions written during an outage are retried against Redis. @default 1000 */
  writeBackIntervalMs?: number;
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
