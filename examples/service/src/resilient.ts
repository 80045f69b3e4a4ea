/**
 * The service on redis-resilience: products through `rr.cache.getOrLoad`, sessions in `rr.sessions`, orders
 * through `rr.queue.publish`, readiness from `rr.health()` and metrics from the package's handler.
 */
import { init, type RedisResilience, type ResilienceOptions } from '@redis-resilience/core';
import { startOpenTelemetry } from '@redis-resilience/core/otel';
import { type Backend, ORDERS_STREAM, PRODUCT_TTL_SECONDS, productKey } from './backend.js';
import type { ServiceConfig } from './config.js';

export type ResilienceOverrides = Partial<ResilienceOptions>;

/**
 * The API's latency budget for Redis. The package's defaults (wait up to 1 s for a connection, 3 s per call, judge
 * the breaker over 10 s) suit a service with nothing better to do than wait. This one has a fallback for everything
 * it asks Redis (the database, in-memory sessions, the spool), so a call not answered within 15 ms is better served
 * by the fallback, and a 2 s window lets the breaker stop the asking within about a second of an outage. Until it
 * opens, the deadline is what a request pays per Redis call. Everything else: the package's defaults.
 */
export const LATENCY_BUDGET = Object.freeze({
  retry: { deadlineMs: 15 },
  queue: { maxWaitMs: 5 },
  breaker: { rollingWindowMs: 2000 },
}) satisfies ResilienceOptions;

export function resilientOptions(config: ServiceConfig, overrides: ResilienceOverrides = {}): ResilienceOptions {
  return {
    redis: config.redisUrl,
    serviceName: config.serviceName,
    ...LATENCY_BUDGET,
    fallbacks: { queue: { spoolPath: config.spoolPath } },
    ...overrides,
  };
}

export function resilientBackend(
  config: ServiceConfig,
  overrides?: ResilienceOverrides,
): Backend & { rr: RedisResilience } {
  // This service has no OpenTelemetry SDK of its own: with an endpoint it starts the package's (none is started when
  // the host already registered one). Without one there is nowhere to send spans.
  const otel = config.otlpEndpoint
    ? startOpenTelemetry({ serviceName: config.serviceName, endpoint: config.otlpEndpoint })
    : undefined;
  const rr = init(resilientOptions(config, overrides));
  return {
    mode: 'resilient',
    settings: `${describeOptions(LATENCY_BUDGET)}; other options default`,
    rr,
    product: (id, load) => rr.cache.getOrLoad(productKey(id), load, { ttlSeconds: PRODUCT_TTL_SECONDS }),
    sessions: rr.sessions,
    async publishOrder(order) {
      const payload = { order_id: order.orderId, order: JSON.stringify(order) };
      // The order id doubles as the idempotency id: a replay after a crash never adds the order twice.
      const { spooled } = await rr.queue.publish(ORDERS_STREAM, payload, { id: order.orderId });
      return { spooled };
    },
    health: () => rr.health(),
    serveMetrics: (req, res) => rr.metricsHandler(req, res),
    // rr.close() flushes the spans; the SDK is the service's own to stop.
    close: () => rr.close().finally(() => otel?.shutdown()),
  };
}

/** `{ retry: { deadlineMs: 15 } }` as `retry.deadlineMs 15`. */
function describeOptions(options: object, path = ''): string {
  return Object.entries(options)
    .map(([k, v]) => (typeof v === 'object' && v !== null ? describeOptions(v, `${path}${k}.`) : `${path}${k} ${v}`))
    .join(', ');
}
