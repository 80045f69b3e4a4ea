/**
 * After the drill: reads the `orders` stream straight from Redis and checks every order a service accepted
 * (HTTP 202) is in it exactly once. Spooled orders reach the stream when the spool replays, so this waits a while.
 */
import { Redis } from 'ioredis';
import type { AcceptedOrder } from './arm-load.js';
import { sleep } from './redis-server.js';

export interface OrderAudit {
  accepted: number;
  /** Accepted while Redis was away: written to the local spool first. */
  spooled: number;
  /** Accepted orders found in the stream. */
  inStream: number;
  /** Spooled orders found in the stream: replayed. */
  replayed: number;
  /** Accepted, never in the stream. */
  lost: number;
  /** Stream entries beyond the first for one order id. */
  duplicated: number;
  /** In the stream although the client never got a 202 (it gave up waiting): the client cannot know. */
  writtenAfterClientGaveUp: number;
}

export async function auditOrders(
  redisUrl: string,
  accepted: readonly AcceptedOrder[],
  waitMs: number,
): Promise<OrderAudit> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const counts = await readOrderIds(redis);
      const missing = accepted.filter((o) => !counts.has(o.orderId)).length;
      if (missing === 0 || Date.now() > deadline) return summarize(accepted, counts);
      await sleep(250);
    }
  } finally {
    redis.disconnect();
  }
}

async function readOrderIds(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const entries = await redis.xrange('orders', '-', '+');
  for (const [, fields] of entries) {
    const i = fields.indexOf('order_id');
    const id = i >= 0 ? fields[i + 1] : undefined;
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function summarize(accepted: readonly AcceptedOrder[], counts: Map<string, number>): OrderAudit {
  const ids = new Set(accepted.map((o) => o.orderId));
  const found = accepted.filter((o) => counts.has(o.orderId));
  let duplicated = 0;
  for (const n of counts.values()) duplicated += n - 1;
  return {
    accepted: accepted.length,
    spooled: accepted.filter((o) => o.spooled).length,
    inStream: found.length,
    replayed: found.filter((o) => o.spooled).length,
    lost: accepted.length - found.length,
    duplicated,
    writtenAfterClientGaveUp: [...counts.keys()].filter((id) => !ids.has(id)).length,
  };
}
