/**
 * The session store's options: connect-redis's names, meanings and defaults (`prefix`, `ttl`, `disableTouch`,
 * `disableTTL`, `serializer`, `scanCount`), plus the outage fallback's own. Checked once, at `init`.
 */
import { InvalidOptionsError } from '../errors/errors.js';
import type { SessionRecord, SessionSerializer, SessionStoreOptions } from './types.js';
import { checkKeys, optionalBoolean, optionalString, positiveInt } from './validate.js';

export const SESSION_DEFAULTS = Object.freeze({
  prefix: 'sess:',
  ttl: 86_400,
  disableTouch: false,
  disableTTL: false,
  serializer: JSON as SessionSerializer,
  scanCount: 100,
  maxFallbackEntries: 10_000,
  writeBackIntervalMs: 1000,
});

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

const F = 'fallbacks.sessions';
const KNOWN = [...Object.keys(SESSION_DEFAULTS), 'ttlSeconds'];

/** Defaults merged and every field checked; called by createFallbacks at init, so a bad option fails there. */
export function resolveSessionOptions(opts: SessionStoreOptions = {}): ResolvedSessionOptions {
  checkKeys(F, opts, KNOWN);
  return {
    prefix: optionalString(`${F}.prefix`, opts.prefix, SESSION_DEFAULTS.prefix),
    ttl: resolveTtl(opts),
    disableTouch: optionalBoolean(`${F}.disableTouch`, opts.disableTouch, false),
    disableTTL: optionalBoolean(`${F}.disableTTL`, opts.disableTTL, false),
    serializer: resolveSerializer(opts.serializer),
    scanCount: positiveInt(`${F}.scanCount`, opts.scanCount ?? SESSION_DEFAULTS.scanCount),
    maxFallbackEntries: positiveInt(
      `${F}.maxFallbackEntries`,
      opts.maxFallbackEntries ?? SESSION_DEFAULTS.maxFallbackEntries,
    ),
    writeBackIntervalMs: positiveInt(
      `${F}.writeBackIntervalMs`,
      opts.writeBackIntervalMs ?? SESSION_DEFAULTS.writeBackIntervalMs,
    ),
  };
}

function resolveTtl(opts: SessionStoreOptions): ResolvedSessionOptions['ttl'] {
  if (opts.ttl !== undefined && opts.ttlSeconds !== undefined) {
    throw new InvalidOptionsError(`${F}.ttlSeconds`, [
      `${F}.ttlSeconds: is the former name of ${F}.ttl; set only ${F}.ttl`,
    ]);
  }
  if (typeof opts.ttl === 'function') return opts.ttl;
  if (opts.ttl !== undefined) {
    if (typeof opts.ttl !== 'number') {
      throw new InvalidOptionsError(`${F}.ttl`, [
        `${F}.ttl: must be a number of seconds or a function (session) => seconds (got ${typeof opts.ttl})`,
      ]);
    }
    return positiveInt(`${F}.ttl`, opts.ttl);
  }
  return positiveInt(`${F}.ttlSeconds`, opts.ttlSeconds ?? SESSION_DEFAULTS.ttl);
}

function resolveSerializer(value: unknown): SessionSerializer {
  if (value === undefined) return SESSION_DEFAULTS.serializer;
  const s = value as Partial<SessionSerializer> | null;
  if (typeof s !== 'object' || s === null || typeof s.parse !== 'function' || typeof s.stringify !== 'function') {
    throw new InvalidOptionsError(`${F}.serializer`, [
      `${F}.serializer: must be an object with parse(string) and stringify(session) functions, like JSON`,
    ]);
  }
  return s as SessionSerializer;
}

/**
 * Seconds `session` has left, as connect-redis reckons them: the `ttl` function when there is one, else the cookie's
 * `expires`, else the numeric `ttl`. 0 or less (or not a number) means the session is over and must be removed.
 */
export function sessionTtl(opts: ResolvedSessionOptions, session: SessionRecord, now = Date.now()): number {
  if (typeof opts.ttl === 'function') return Math.ceil(Number(opts.ttl(session)));
  const expires = session?.cookie?.expires;
  if (expires) return Math.ceil((new Date(expires).getTime() - now) / 1000);
  return opts.ttl;
}

/** A stored session the serializer cannot read is no session (the user logs in again), not a 500. */
export async function parseSession(
  serializer: SessionSerializer,
  text: string | undefined,
): Promise<SessionRecord | null> {
  if (text === undefined) return null;
  try {
    const v: unknown = await serializer.parse(text);
    return typeof v === 'object' && v !== null ? (v as SessionRecord) : null;
  } catch {
    return null;
  }
}
