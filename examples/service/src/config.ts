/** Service configuration from the environment, validated once at start so a typo fails loudly. */

export type Mode = 'resilient' | 'naive';

export interface ServiceConfig {
  /** PORT; 0 picks a free port (the demo and tests do). @default 3000 */
  port: number;
  /** HOST. @default '0.0.0.0' (reachable inside a container) */
  host: string;
  /** REDIS_URL. @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** SPOOL_PATH: the durable SQLite spool for orders published while Redis is away. @default './.data/spool.db' */
  spoolPath: string;
  /** DB_PATH: the SQLite primary database. @default ':memory:' (seeded at every start) */
  dbPath: string;
  /** CLIENT_MODE: `resilient` uses redis-resilience; `naive` is ioredis defaults with try/catch, for the demo's comparison. */
  mode: Mode;
  /** SESSION_SECRET signs the session cookie. @default a fixed development secret */
  sessionSecret: string;
  /** OTEL_SERVICE_NAME. @default 'example-service' */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported over OTLP/HTTP only when it is set. */
  otlpEndpoint: string | undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const mode = env.CLIENT_MODE ?? 'resilient';
  if (mode !== 'resilient' && mode !== 'naive') throw new Error(`CLIENT_MODE must be resilient or naive (got ${mode})`);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be 0-65535 (got ${env.PORT})`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    spoolPath: env.SPOOL_PATH ?? './.data/spool.db',
    dbPath: env.DB_PATH ?? ':memory:',
    mode,
    sessionSecret: env.SESSION_SECRET ?? 'example-service-development-secret',
    serviceName: env.OTEL_SERVICE_NAME ?? 'example-service',
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  };
}
