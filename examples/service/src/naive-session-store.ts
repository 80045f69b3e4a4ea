/**
 * The usual hand-rolled (or connect-redis style) session store on a plain ioredis client: no fallback, so a
 * Redis outage becomes a login outage. Only the demo's naive arm uses it.
 */
import session, { type SessionData } from 'express-session';
import type { Redis } from 'ioredis';

const PREFIX = 'sess:';
const DEFAULT_TTL_SECONDS = 86_400;

type Callback = (err?: unknown) => void;

export class NaiveRedisSessionStore extends session.Store {
  constructor(private readonly redis: Redis) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.redis.get(PREFIX + sid).then(
      (raw) => callback(null, raw ? (JSON.parse(raw) as SessionData) : null),
      (err: unknown) => callback(err),
    );
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    this.redis.set(PREFIX + sid, JSON.stringify(data), 'EX', ttlOf(data)).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.redis.del(PREFIX + sid).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    this.redis.expire(PREFIX + sid, ttlOf(data)).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }
}

function ttlOf(data: SessionData): number {
  const maxAge = data.cookie?.maxAge;
  return typeof maxAge === 'number' && maxAge > 0 ? Math.ceil(maxAge / 1000) : DEFAULT_TTL_SECONDS;
}
