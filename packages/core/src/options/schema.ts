/** The zod schema `init` validates options against. Ranges here are the ranges messages quote. */
import type { MeterProvider } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { fallbacksSchema } from './fallbacks.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ms = (min: number, max: number) => int(min, max).optional();

/**
 * What is wrong with a Redis URL, or undefined. Parsed here rather than by ioredis, whose `TypeError: Invalid URL`
 * carries the whole URL, password included, in its `input`. Messages never repeat the URL.
 */
export function redisUrlProblem(value: string): string | undefined {
  if (!/^rediss?:\/\//i.test(value)) return 'must be a redis:// or rediss:// URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a valid redis:// or rediss:// URL (it could not be parsed; check the port and escape special characters in the password)';
  }
  if (url.port !== '' && Number(url.port) < 1) return 'must have a port from 1 to 65535';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,7}$/.test(db)) return 'must name the database as a number (redis://host:6379/0)';
  return undefined;
}

const redisUrl = z.string().superRefine((value, ctx) => {
  const problem = redisUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** ioredis options (or an ioredis instance, or `{ cluster }`): the fields a typo would silently break. */
const redisOptions = z.looseObject({
  port: int(1, 65_535).optional(),
  host: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  db: int(0, 1_000_000).optional(),
});

export const schema = z.strictObject({
  redis: z.union([redisUrl, redisOptions]).optional(),
  serviceName: z.string().min(1).max(200).optional(),
  clientName: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . : -')
    .optional(),
  retry: z
    .strictObject({
      maxAttempts: int(1, 20).optional(),
      baseDelayMs: ms(0, 60_000),
      maxDelayMs: ms(0, 300_000),
      jitter: z.enum(['full', 'equal', 'none']).optional(),
      deadlineMs: ms(1, 600_000),
      budget: z
        .union([
          z.literal(false),
          z.strictObject({
            ratio: z.number().min(0).max(10).optional(),
            minPerSecond: z.number().min(0).max(100_000).optional(),
            windowMs: ms(1000, 600_000),
          }),
        ])
        .optional(),
      idempotentWrites: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).optional(),
      volumeThreshold: int(1, 1_000_000).optional(),
      rollingWindowMs: ms(100, 3_600_000),
      resetTimeoutMs: ms(10, 3_600_000),
      maxResetTimeoutMs: ms(10, 3_600_000),
      halfOpenProbes: int(1, 100).optional(),
      enabled: z.boolean().optional(),
    })
    .optional(),
  timeouts: z.strictObject({ connectMs: ms(1, 600_000), commandMs: ms(1, 600_000) }).optional(),
  queue: z.strictObject({ maxOffline: int(0, 10_000_000).optional(), maxWaitMs: ms(0, 600_000) }).optional(),
  pool: z
    .strictObject({
      size: int(1, 1024).optional(),
      acquireTimeoutMs: ms(0, 600_000),
      coalesceWritesAt: z.union([z.literal(false), int(1, 1_000_000)]).optional(),
    })
    .optional(),
  metrics: z
    .union([
      z.literal(false),
      z.strictObject({
        registry: z
          .custom<Registry>(
            (v) => typeof v === 'object' && v !== null && typeof (v as Registry).registerMetric === 'function',
            'must be a prom-client Registry',
          )
          .optional(),
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a valid Prometheus metric name prefix')
          .optional(),
        port: int(0, 65_535).optional(),
        host: z.string().min(1).optional(),
        headersTimeoutMs: ms(1, 600_000),
        requestTimeoutMs: ms(1, 600_000),
        idleTimeoutMs: ms(1, 3_600_000),
        maxConnections: int(1, 100_000).optional(),
        meterProvider: z
          .union([
            z.literal(false),
            z.custom<MeterProvider>(
              (v) => typeof v === 'object' && v !== null && typeof (v as MeterProvider).getMeter === 'function',
              'must be an OpenTelemetry MeterProvider (with getMeter) or false',
            ),
          ])
          .optional(),
      }),
    ])
    .optional(),
  tracing: z
    .union([
      z.literal(false),
      z.strictObject({
        dbQueryText: z.boolean().optional(),
        requireParentSpan: z.boolean().optional(),
        samplerAttributes: z.boolean().optional(),
        startSdk: z
          .literal(false, {
            error: "the core no longer starts an OpenTelemetry SDK: import '@redis-resilience/core/register' instead",
          })
          .optional(),
        endpoint: z
          .never({
            error:
              "the core no longer exports spans itself: use import '@redis-resilience/core/register' with OTEL_EXPORTER_OTLP_ENDPOINT, or your own SDK",
          })
          .optional(),
      }),
    ])
    .optional(),
  slowlog: z.union([z.literal(false), z.strictObject({ intervalMs: int(100, 3_600_000) })]).optional(),
  fallbacks: fallbacksSchema.optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['info', 'warn', 'error'].every((m) => typeof (v as never)[m] === 'function'),
      'must be a pino-compatible logger with info, warn and error methods',
    )
    .optional(),
});
