/**
 * `@redis-resilience/core/otel` (and `/register`): the OpenTelemetry NodeSDK for an app that has none, as an
 * explicit choice of the app. The core itself never starts or registers anything: this is the app's SDK, started
 * by the app's own import, so it is registered globally like any SDK (context manager and propagators included) and
 * configured by the standard OTEL_* variables, read by NodeSDK itself: OTEL_TRACES_EXPORTER,
 * OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL / ENDPOINT / HEADERS / TIMEOUT, OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED … What differs from a bare NodeSDK, and why:
 * - no auto-instrumentations, no metrics or logs exporter unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER ask;
 * - one OTLP trace export gives up after 1 s unless OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT says otherwise, so a dead
 *   collector neither holds `rr.close()` (which flushes) nor keeps the process alive with retry timers;
 * - nothing is started when a tracer provider is already registered: the app's SDK wins, and this says so.
 * `@opentelemetry/sdk-node` is an optional peer dependency, loaded only here.
 */
import { createRequire } from 'node:module';
import { diag } from '@opentelemetry/api';
import type { NodeSDKConfiguration, NodeSDK as NodeSDKType } from '@opentelemetry/sdk-node';
import { hasGlobalTracerProvider } from '../telemetry/provider.js';

/** How long one export of spans (retries included) may take before its spans are dropped. */
export const EXPORT_TIMEOUT_MS = 1000;

/** `__filename` exists in the CJS build, `import.meta.url` in the ESM one. */
const load = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

const SDK_PACKAGE = '@opentelemetry/sdk-node';

/** The OTLP trace exporter package of each OTEL_EXPORTER_OTLP_PROTOCOL value (the spec's default: http/protobuf). */
const EXPORTERS: Readonly<Record<string, string>> = {
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
};

export interface StartOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names one. @default NodeSDK's */
  serviceName?: string;
  /** The collector, e.g. `http://collector:4318` (traces go to its /v1/traces). @default the OTEL_* variables */
  endpoint?: string;
}

export interface StartedOpenTelemetry {
  /** false when nothing was started: a provider was registered already, or OTEL_SDK_DISABLED=true. */
  readonly started: boolean;
  /** Flush and stop the SDK (its providers stay registered, shut down; call it when the process ends). */
  shutdown(): Promise<void>;
}

const env = (name: string) => process.env[name]?.trim() || undefined;

/** An operator's service name (OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES) beats ours. */
function serviceNameFromEnv(): boolean {
  return (
    env('OTEL_SERVICE_NAME') !== undefined || /(^|,)\s*service\.name\s*=/.test(env('OTEL_RESOURCE_ATTRIBUTES') ?? '')
  );
}

function loadSdk(): typeof import('@opentelemetry/sdk-node') {
  try {
    return load(SDK_PACKAGE) as typeof import('@opentelemetry/sdk-node');
  } catch (err) {
    throw new Error(
      `@redis-resilience/core/otel needs ${SDK_PACKAGE} (an optional peer dependency): npm install ${SDK_PACKAGE}`,
      { cause: err },
    );
  }
}

/**
 * The OTLP exporter for the configured protocol, with our export timeout when the operator set none; undefined when
 * OTEL_TRACES_EXPORTER names others (console, zipkin, none …), which NodeSDK then builds itself. The exporter
 * packages are NodeSDK's own dependencies, so they are resolved from where it is installed.
 */
/** `http://collector:4318` means the collector: OTLP/HTTP traces go to its `/v1/traces`. A URL with a path is used as is. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

function otlpExporter(endpoint: string | undefined): NodeSDKConfiguration['traceExporter'] | undefined {
  const exporters = (env('OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((s) => s.trim().toLowerCase());
  if (exporters.length !== 1 || exporters[0] !== 'otlp') return undefined;
  const protocol = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? env('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  const pkg = EXPORTERS[protocol];
  if (!pkg) {
    diag.warn(`@redis-resilience/core/otel: unsupported OTLP protocol ${protocol}; NodeSDK picks the exporter`);
    return undefined;
  }
  const timeoutSet = env('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? env('OTEL_EXPORTER_OTLP_TIMEOUT');
  const fromSdk = createRequire(load.resolve(SDK_PACKAGE));
  const { OTLPTraceExporter } = fromSdk(pkg) as {
    OTLPTraceExporter: new (config?: {
      timeoutMillis?: number;
      url?: string;
    }) => NonNullable<NodeSDKConfiguration['traceExporter']>;
  };
  return new OTLPTraceExporter({
    ...(timeoutSet ? {} : { timeoutMillis: EXPORT_TIMEOUT_MS }),
    ...(endpoint && { url: protocol === 'grpc' ? endpoint : tracesUrl(endpoint) }),
  });
}

/** Start the NodeSDK (see above) unless a tracer provider is registered already or OTEL_SDK_DISABLED is true. */
export function startOpenTelemetry(options: StartOptions = {}): StartedOpenTelemetry {
  const idle: StartedOpenTelemetry = { started: false, shutdown: () => Promise.resolve() };
  if (/^(true|1)$/i.test(env('OTEL_SDK_DISABLED') ?? '')) return idle;
  if (hasGlobalTracerProvider()) {
    diag.warn('@redis-resilience/core/otel: a tracer provider is registered already; it is used and no SDK started');
    return idle;
  }
  const { NodeSDK } = loadSdk() as { NodeSDK: typeof NodeSDKType };
  const traceExporter = otlpExporter(options.endpoint);
  const sdk = new NodeSDK({
    instrumentations: [],
    ...(env('OTEL_METRICS_EXPORTER') ? {} : { metricReaders: [] }),
    ...(env('OTEL_LOGS_EXPORTER') ? {} : { logRecordProcessors: [] }),
    ...(options.serviceName && !serviceNameFromEnv() && { serviceName: options.serviceName }),
    ...(traceExporter && { traceExporter }),
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    started: true,
    shutdown: () => {
      stopping ??= sdk.shutdown();
      return stopping;
    },
  };
}
