/**
 * What the routes need from Redis, behind one interface, so the same API runs on redis-resilience or on plain
 * ioredis (the demo's comparison) with identical handlers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from 'express-session';
import type { Product } from './db.js';

export interface Order {
  orderId: string;
  productId: number;
  quantity: number;
}

export interface PublishOutcome {
  /** true when Redis was away and the order waits in the local spool. */
  spooled: boolean;
}

/** Readiness; the whole object is served as JSON, so a backend may add details (breaker, connection). */
export interface HealthAnswer {
  status: 'ok' | 'degraded' | 'down';
}

export interface Backend {
  readonly mode: 'resilient' | 'naive';
  /** The Redis client settings in one line, for the start-up log. */
  readonly settings: string;
  /** A product through the cache; `load` reads the primary database. */
  product(id: number, load: () => Product | null): Promise<Product | null>;
  /** The express-session store. */
  readonly sessions: Store;
  /** Appends the order to the `orders` stream. */
  publishOrder(order: Order): Promise<PublishOutcome>;
  health(): Promise<HealthAnswer>;
  /** Serves GET /metrics (Prometheus text, or OpenMetrics with exemplars when the scraper asks for it). */
  serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<unknown>;
  close(): Promise<void>;
}

export const ORDERS_STREAM = 'orders';
export const PRODUCT_TTL_SECONDS = 60;
export const productKey = (id: number): string => `product:${id}`;
