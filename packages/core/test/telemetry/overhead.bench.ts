/**
 * Cost of the instrumentation per call, without Redis: `cd packages/core && pnpm exec vitest bench --run test/telemetry/overhead`.
 * "SDK" is a real TracerProvider with a BatchSpanProcessor whose exporter discards.
 */
import { trace } from '@opentelemetry/api';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { test } from 'vitest';
import { type Instrumentation, noopInstrumentation } from '../../src/instrumentation.js';
import { harness } from './harness.js';

const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const sdk = () => ({
  tracerProvider: new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discard })] }),
});
const noProvider = { tracerProvider: trace.getTracerProvider() };

function single(i: Instrumentation): () => void {
  return () => {
    const call = i.startCall('get', ['k']);
    const t = performance.now();
    call.attemptEnd(1, t, t + 0.1, undefined);
    call.end('success', 1);
  };
}

function retried(i: Instrumentation): () => void {
  return () => {
    const call = i.startCall('get', ['k']);
    const t = performance.now();
    call.attemptEnd(1, t, t + 0.1, 'timeout');
    call.retry(1, 10, 'timeout');
    call.attemptEnd(2, t + 10, t + 10.1, undefined);
    call.end('success', 2);
  };
}

const cases: [string, () => void][] = [
  ['noop instrumentation', single(noopInstrumentation)],
  ['metrics off, no tracer provider', single(harness({ metrics: false }, noProvider).telemetry.instrumentation)],
  ['metrics, no tracer provider', single(harness({}, noProvider).telemetry.instrumentation)],
  ['metrics + SDK span', single(harness({}, sdk()).telemetry.instrumentation)],
  ['retried once: metrics, no tracer provider', retried(harness({}, noProvider).telemetry.instrumentation)],
  ['retried once: metrics + 3 SDK spans', retried(harness({}, sdk()).telemetry.instrumentation)],
];

test('instrumentation cost per call', async ({ bench }) => {
  for (const [name, fn] of cases) {
    const result = await bench(name, fn).run();
    // Tinybench reports latency in milliseconds.
    console.log(`${name}: ${(result.latency.mean * 1e6).toFixed(0)} ns/call`);
  }
});
