/**
 * Starting the OpenTelemetry NodeSDK for apps that have none: OTLP/HTTP (JSON) trace export, no
 * auto-instrumentations, no metrics exporter (metrics are prom-client's), and the usual OTEL_* variables.
 * Nothing starts when any tracer provider is already registered: the app's own SDK always wins.
 */
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import type { OTLPTraceExporter as OTLPTraceExporterType } from '@opentelemetry/exporter-trace-otlp-http';
import type { NodeSDK as NodeSDKType } from '@opentelemetry/sdk-node';
import type { TracingOptions } from '../options/index.js';
import { currentDelegate, hasGlobalTracerProvider } from './provider.js';

/**
 * The SDK packages take ~200 ms to load, so they are required only when an SDK is actually started. Synchronously,
 * because commands may be issued right after `init()` and their spans must not miss the provider. `__filename`
 * exists in the CJS build, `import.meta.url` in the ESM one.
 */
const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

function envList(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** An operator's service name (OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES) beats ours. */
function serviceNameFromEnv(): boolean {
  if (process.env.OTEL_SERVICE_NAME?.trim()) return true;
  return /(^|,)\s*service\.name\s*=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
}

/** `http://collector:4318` means the collector: OTLP/HTTP traces go to its `/v1/traces`. A URL with a path is used as is. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

/** How long one export of spans (retries included) may take before its spans are dropped. */
export const EXPORT_TIMEOUT_MS = 1000;

export interface TracingSdk {
  /** Flush and stop the SDK, then unregister its provider so a later `init()` can start a fresh one. */
  shutdown(): Promise<void>;
}

/**
 * Start the NodeSDK when tracing wants one and no provider is registered; undefined when nothing was started.
 * Only the instance that started the SDK may shut it down.
 */
export function startTracingSdk(tracing: false | TracingOptions, serviceName: string): TracingSdk | undefined {
  if (tracing === false || tracing.startSdk === false) return undefined;
  if (hasGlobalTracerProvider()) return undefined;
  if (/^(true|1)$/i.test(process.env.OTEL_SDK_DISABLED?.trim() ?? '')) return undefined;
  const exporters = envList('OTEL_TRACES_EXPORTER');
  if (exporters.includes('none') && !tracing.endpoint) return undefined;

  const { NodeSDK } = load('@opentelemetry/sdk-node') as { NodeSDK: typeof NodeSDKType };
  // An explicit OTEL_TRACES_EXPORTER (console, otlp over grpc …) is the operator's choice; otherwise OTLP/HTTP JSON.
  const useEnvExporter = exporters.length > 0 && !tracing.endpoint;
  let traceExporter: OTLPTraceExporterType | undefined;
  if (!useEnvExporter) {
    const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as {
      OTLPTraceExporter: typeof OTLPTraceExporterType;
    };
    // Without a url the exporter reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT itself.
    // An export, retries included, gives up after EXPORT_TIMEOUT_MS unless the operator set a timeout: a dead
    // collector then delays close() by that much at most, and leaves no retry timer behind.
    const timeoutSet = process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    traceExporter = new OTLPTraceExporter({
      ...(tracing.endpoint && { url: tracesUrl(tracing.endpoint) }),
      ...(timeoutSet ? {} : { timeoutMillis: EXPORT_TIMEOUT_MS }),
    });
  }
  const sdk = new NodeSDK({
    instrumentations: [],
    metricReaders: [],
    // Logs are not ours to export unless the operator asked for it (OTEL_LOGS_EXPORTER).
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    ...(serviceNameFromEnv() ? {} : { serviceName }),
    ...(traceExporter && { traceExporter }),
  });
  sdk.start();
  const registered = hasGlobalTracerProvider() ? currentDelegate() : undefined;

  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= (async () => {
        await sdk.shutdown();
        // Leave no dead provider registered: it would stop the next init() from starting a working one.
        if (registered && currentDelegate() === registered) trace.disable();
      })();
      return stopping;
    },
  };
}
