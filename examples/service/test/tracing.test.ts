/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set (here: the otlpEndpoint option it becomes), the service exports its
 * redis-resilience spans over OTLP/HTTP, as Jaeger in examples/compose receives them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type OtlpReceiver, startOtlpReceiver, startRedis, stopAllRedis } from '@redis-resilience/testkit';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { Browser, baseUrl } from './http.js';

// The test's receiver speaks OTLP/HTTP JSON; the service's SDK honours the standard variable (protobuf by default).
process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
const dir = mkdtempSync(path.join(os.tmpdir(), 'example-service-tracing-'));
let receiver: OtlpReceiver | undefined;

afterAll(async () => {
  await receiver?.close();
  await stopAllRedis();
  rmSync(dir, { recursive: true, force: true });
});

it('exports the spans of a product read to the OTLP endpoint, under the service name', async () => {
  const redis = await startRedis();
  receiver = await startOtlpReceiver();
  const service = createApp({
    mode: 'resilient',
    redisUrl: redis.url,
    spoolPath: path.join(dir, 'spool.db'),
    otlpEndpoint: receiver.url,
    serviceName: 'example-service-under-test',
  });
  const server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    expect((await new Browser(baseUrl(server)).get('/products/3')).status).toBe(200);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await service.close(); // flushes the SDK's batch of spans
  }
  const spans = await receiver.waitForSpans((s) => s.some((span) => span.name === 'cache.getOrLoad'));
  const cacheSpan = spans.find((s) => s.name === 'cache.getOrLoad');
  expect(cacheSpan?.resource['service.name']).toBe('example-service-under-test');
  expect(spans.some((s) => s.attributes['db.system.name'] === 'redis')).toBe(true);
});
