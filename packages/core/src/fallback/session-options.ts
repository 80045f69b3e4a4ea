/**
 * What the session store's options mean for one session, as connect-redis reckons it. The options themselves are
 * checked and merged at `init` (options/fallbacks.ts).
 */
import type { ResolvedSessionOptions } from '../options/fallbacks.js';
import type { SessionRecord, SessionSerializer } from './types.js';

export type { ResolvedSessionOptions } from '../options/fallbacks.js';

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
