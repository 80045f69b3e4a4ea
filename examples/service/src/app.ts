/**
 * `createApp(options)`: the Express 5 application, its primary database and its Redis backend, wired together
 * but not listening, so tests and `server.ts` share one construction path.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Backend } from './backend.js';
import { configFromEnv, type ServiceConfig } from './config.js';
import { openProductDb, type ProductDb } from './db.js';
import { naiveBackend } from './naive.js';
import { type ResilienceOverrides, resilientBackend } from './resilient.js';
import { authRoutes } from './routes/auth.js';
import { opsRoutes } from './routes/ops.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';

export interface AppOptions extends Partial<ServiceConfig> {
  /** Extra redis-resilience options merged over the service's own (tests shorten the breaker's reset). */
  resilience?: ResilienceOverrides;
}

export interface ExampleApp {
  readonly app: Express;
  readonly backend: Backend;
  readonly db: ProductDb;
  readonly config: ServiceConfig;
  /** Closes the backend (flushing telemetry) and the database. Idempotent. */
  close(): Promise<void>;
}

export function createApp(options: AppOptions = {}): ExampleApp {
  const { resilience, ...overrides } = options;
  const config: ServiceConfig = { ...configFromEnv(), ...overrides };
  const db = openProductDb(config.dbPath);
  const backend = config.mode === 'naive' ? naiveBackend(config) : resilientBackend(config, resilience);

  const app = express();
  app.disable('x-powered-by');
  app.use(productRoutes(backend, db));
  app.use(authRoutes(backend, db, config.sessionSecret));
  app.use(orderRoutes(backend));
  app.use(opsRoutes(backend));
  app.use(errorHandler);

  let closing: Promise<void> | undefined;
  return {
    app,
    backend,
    db,
    config,
    close() {
      closing ??= backend.close().finally(() => db.close());
      return closing;
    },
  };
}

/** Express 5 forwards rejected async handlers here; answer in JSON and keep internals out of the response. */
const errorHandler: ErrorRequestHandler = (_err, _req, res, _next) => {
  if (res.headersSent) return;
  res.status(500).json({ error: 'internal error' });
};
