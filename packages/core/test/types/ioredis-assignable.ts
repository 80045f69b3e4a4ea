/**
 * Type test (compiled by `pnpm typecheck`, never run): rr.client goes where ioredis's `Redis` type is expected, with
 * no cast, as a library typed for ioredis (a rate limiter, a session store, a cache wrapper) takes its client.
 * ioredis's `Redis` class has private members, so only a subtype of that class is assignable: ResilientClient is
 * declared as one (`interface ResilientClient extends Redis`), and test/compat.test.ts checks at run time that the
 * object has every public member the class has.
 */
import type { Redis } from 'ioredis';
import type { RedisResilience, ResilientClient } from '../../src/index.js';

/** What such a library's constructor looks like. */
class LibraryTypedForIoredis {
  constructor(readonly client: Redis) {}

  async hit(key: string): Promise<number> {
    const [[, count]] = (await this.client.multi().incr(key).pexpire(key, 1000).exec()) as [[null, number]];
    return count;
  }
}

function takesRedis(client: Redis): Promise<string | null> {
  return client.get('k');
}

export function typeTest(rr: RedisResilience): void {
  void takesRedis(rr.client);
  void new LibraryTypedForIoredis(rr.client).hit('k');
  const asRedis: Redis = rr.client;
  const duplicate: Redis = rr.client.duplicate();
  void rr.withConnection(async (conn) => takesRedis(conn));
  void asRedis;
  void duplicate;
  // Not `any`: a method ioredis does not have is an error.
  // @ts-expect-error notACommand is not an ioredis method
  void rr.client.notACommand;
  const raw: ResilientClient['raw'] = rr.client.raw;
  void raw;
}
