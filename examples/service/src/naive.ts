/**
 * The baseline the demo compares against: ioredis with its defaults and the try/catch fallback most services
 * start with. Nothing here is deliberately broken; under an outage its calls do not fail, they wait (ioredis
 * queues them offline and retries), and so does every request behind them.
 */
import { Redis } from 'ioredis';
import { type Backend, ORDERS_STREAM, PRODUCT_TTL_SECONDS, productKey } from './backend.js';
import type { ServiceConfig } from './config.js';
import { NaiveRedisSessionStore } from './naive-session-store.js';

export function naiveBackend(config: Pick<ServiceConfig, 'redisUrl'>): Backend {
  const redis = new Redis(config.redisUrl);
  const counters = { cacheFallbacks: 0, redisErrors: 0 };
  // Without a listener ioredis prints "[ioredis] Unhandled error event" for every reconnect attempt.
  redis.on('error', () => {
    counters.redisErrors++;
  });

  return {
    mode: 'naive',
    settings: 'new Redis(url): ioredis defaults',
    async product(id, load) {
      try {
        const cached = await redis.get(productKey(id));
        if (cached !== null) return JSON.parse(cached);
      } catch {
        counters.cacheFallbacks++;
        return load();
      }
      const product = load();
      try {
        await redis.set(productKey(id), JSON.stringify(product), 'EX', PRODUCT_TTL_SECONDS);
      } catch {
        // The product is served anyway; the next read tries to cache it again.
      }
      return product;
    },
    sessions: new NaiveRedisSessionStore(redis),
    async publishOrder(order) {
      await redis.xadd(ORDERS_STREAM, '*', 'order_id', order.orderId, 'order', JSON.stringify(order));
      return { spooled: false };
    },
    async health() {
      try {
        await redis.ping();
        return { status: 'ok' };
      } catch {
        return { status: 'down' };
      }
    },
    async serveMetrics(_req, res) {
      const body = [
        '# TYPE example_naive_cache_fallbacks_total counter',
        `example_naive_cache_fallbacks_total ${counters.cacheFallbacks}`,
        '# TYPE example_naive_redis_errors_total counter',
        `example_naive_redis_errors_total ${counters.redisErrors}`,
        '',
      ].join('\n');
      res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end(body);
    },
    async close() {
      redis.disconnect();
    },
  };
}
