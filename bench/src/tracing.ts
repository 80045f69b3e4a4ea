/**
 * The tracing set-up shared by the traced arms, in one process:
 * - an SDK TracerProvider with a parent-based sampler (AlwaysOn for root spans, the parent's decision otherwise) and a
 *   batch processor feeding a counting no-op exporter, so span creation and batching are measured and serialisation
 *   is left out (for every traced arm alike, and in instrumentation-ioredis's own process too);
 * - that provider registered globally only for the package's traced rounds (and `trace.disable()` after them), so the
 *   untraced arms run exactly as in an app with no SDK: the package checks for a registered provider on every call;
 * - @opentelemetry/instrumentation-ioredis, registered before ioredis is first required (it patches through a
 *   require hook), then enabled only for its own rounds.
 */
import { createRequire } from 'node:module';
import { type Context, context, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  TracerProvider as SdkTracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';

/** Counts what it is handed and drops it. */
export class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans += spans.length;
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface BenchTracing {
  readonly exporter: CountingExporter;
  /** Registers the SDK provider globally, or unregisters it (the package's traced arm). */
  setGlobalTracing(on: boolean): void;
  /** Patches (or unpatches) ioredis with instrumentation-ioredis. */
  setInstrumentation(on: boolean): void;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** `require('ioredis')` after the instrumentation's hook is in place. */
  readonly ioredis: typeof import('ioredis');
  shutdown(): Promise<void>;
}

export function setUpTracing(): BenchTracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new CountingExporter();
  const sdk = new SdkTracerProvider({
    // Every root span is sampled; a span under a parent follows the parent's decision (the unsampled arm's case).
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    // Large enough that no span is dropped at benchmark rates, so spans/op proves every call was traced.
    spanProcessors: [
      new BatchSpanProcessor({ exporter, maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 100 }),
    ],
  });

  // One span per command, as in a request handler: without a parent span it would trace nothing.
  const instrumentation = new IORedisInstrumentation({ requireParentSpan: false });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: sdk });
  const ioredis = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  instrumentation.disable();

  return {
    exporter,
    ioredis,
    setGlobalTracing(on) {
      if (on) trace.setGlobalTracerProvider(sdk);
      else trace.disable();
    },
    setInstrumentation(on) {
      if (on) instrumentation.enable();
      else instrumentation.disable();
    },
    flush: () => sdk.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * The context of a request whose trace the app's sampler dropped: a remote parent with the sampled flag off, as an
 * incoming `traceparent: 00-…-…-00` gives. Spans started under it are not recorded and never reach the exporter.
 */
export function unsampledParent(): Context {
  const parent = trace.wrapSpanContext({
    traceId: '5b8aa5a2d2c872e8321cf37308d69df2',
    spanId: '051581bf3cb55c13',
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  return trace.setSpan(context.active(), parent);
}
