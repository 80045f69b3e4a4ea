/**
 * The fallbacks' options, in the same zod schema as the rest (so `init` rejects a bad one before it connects), and
 * their defaults, merged once. connect-redis's session options keep connect-redis's names and meanings.
 */
import { z } from 'zod';
import { jsonCodec } from '../fallback/codec.js';
import type {
  CacheOptions,
  Codec,
  FallbackOptions,
  SessionRecord,
  SessionSerializer,
  SessionStoreOptions,
  StreamQueueOptions,
} from '../fallback/types.js';

/** setTimeout's limit, and a sane cap for counts. */
export const MAX_INT = 2 ** 31 - 1;

const positive = (max = MAX_INT) => z.number().int().min(1).max(max);
const object = { error: 'must be an object' };
const fn = (v: unknown) => typeof v === 'function';
const hasFns =
  (...names: string[]) =>
  (v: unknown) =>
    typeof v === 'object' && v !== null && names.every((n) => fn((v as Record<string, unknown>)[n]));

export const cacheSchema = z.strictObject(
  {
    ttlSeconds: positive().optional(),
    codec: z
      .custom<Codec>(hasFns('encode', 'decode'), 'must be an object with encode(value) and decode(raw) functions')
      .optional(),
    loaderTimeoutMs: positive().optional(),
  },
  object,
);

export const sessionsSchema = z
  .strictObject(
    {
      prefix: z.string({ error: 'must be a string' }).optional(),
      ttl: z
        .union([
          positive(),
          z.custom<(s: SessionRecord) => number>(fn, 'must be a number of seconds or a function (session) => seconds'),
        ])
        .optional(),
      ttlSeconds: positive().optional(),
      disableTouch: z.boolean({ error: 'must be true or false' }).optional(),
      disableTTL: z.boolean({ error: 'must be true or false' }).optional(),
      serializer: z
        .custom<SessionSerializer>(
          hasFns('parse', 'stringify'),
          'must be an object with parse(string) and stringify(session) functions, like JSON',
        )
        .optional(),
      scanCount: positive().optional(),
      maxFallbackEntries: positive().optional(),
      writeBackIntervalMs: positive().optional(),
    },
    object,
  )
  .superRefine((o, ctx) => {
    if (o.ttl !== undefined && o.ttlSeconds !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ttlSeconds'],
        message: 'is the former name of fallbacks.sessions.ttl; set only fallbacks.sessions.ttl',
      });
    }
  });

export const queueSchema = z.strictObject(
  {
    spoolPath: z.string({ error: 'must be a string' }).min(1, 'must be a file path').optional(),
    durability: z.enum(['process', 'machine'], { error: "must be one of 'process', 'machine'" }).optional(),
    maxSpooled: positive().optional(),
    maxReplayAttempts: positive().optional(),
    deadLetterSuffix: z
      .string({ error: 'must be a string' })
      .min(1, 'must be non-empty, or dead letters would go back to their own stream')
      .optional(),
    replayIntervalMs: positive().optional(),
    dedupTtlSeconds: positive().optional(),
  },
  object,
);

export const fallbacksSchema = z.strictObject(
  { cache: cacheSchema.optional(), sessions: sessionsSchema.optional(), queue: queueSchema.optional() },
  object,
);

export const FALLBACK_DEFAULTS = Object.freeze({
  cache: Object.freeze({ ttlSeconds: 300, codec: jsonCodec as Codec, loaderTimeoutMs: 10_000 }),
  sessions: Object.freeze({
    prefix: 'sess:',
    ttl: 86_400,
    disableTouch: false,
    disableTTL: false,
    serializer: JSON as SessionSerializer,
    scanCount: 100,
    maxFallbackEntries: 10_000,
    writeBackIntervalMs: 1000,
  }),
  queue: Object.freeze({
    spoolPath: './.redis-resilience/spool.db',
    durability: 'process' as 'process' | 'machine',
    maxSpooled: 100_000,
    maxReplayAttempts: 5,
    deadLetterSuffix: ':dead',
    replayIntervalMs: 1000,
    dedupTtlSeconds: 86_400,
  }),
});

export type ResolvedCacheOptions = Readonly<Required<CacheOptions>>;
export type ResolvedQueueOptions = Readonly<Required<StreamQueueOptions>>;
export interface ResolvedSessionOptions {
  readonly prefix: string;
  readonly ttl: number | ((session: SessionRecord) => number);
  readonly disableTouch: boolean;
  readonly disableTTL: boolean;
  readonly serializer: SessionSerializer;
  readonly scanCount: number;
  readonly maxFallbackEntries: number;
  readonly writeBackIntervalMs: number;
}
export interface ResolvedFallbackOptions {
  readonly cache: ResolvedCacheOptions;
  readonly sessions: ResolvedSessionOptions;
  readonly queue: ResolvedQueueOptions;
}

/** Defaults merged into fallback options that the schema already accepted. */
export function withFallbackDefaults(o: FallbackOptions = {}): ResolvedFallbackOptions {
  const defined = <T extends object>(x: T | undefined): Partial<T> =>
    Object.fromEntries(Object.entries(x ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const { ttlSeconds, ...sessions } = defined<SessionStoreOptions>(o.sessions);
  return {
    cache: { ...FALLBACK_DEFAULTS.cache, ...defined(o.cache) },
    sessions: { ...FALLBACK_DEFAULTS.sessions, ...(ttlSeconds !== undefined && { ttl: ttlSeconds }), ...sessions },
    queue: { ...FALLBACK_DEFAULTS.queue, ...defined(o.queue) },
  };
}
