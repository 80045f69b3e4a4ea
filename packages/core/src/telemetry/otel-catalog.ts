/**
 * The catalog through the OpenTelemetry Metrics API: the same series as the prom-client path, for apps that export
 * metrics with an OTel MeterProvider (OTLP, or @opentelemetry/exporter-prometheus). Counters and gauges keep their
 * values here and are read by observable instruments at each collection, so nothing is lost before a provider
 * appears; histograms are recorded as they happen. Instrument names (catalog.ts `otelName`) come out of the
 * OTel→Prometheus translation as the catalog's names, so one dashboard serves both paths; semconv metrics carry
 * semconv attributes (`db.system.name` …), which that translation turns into the catalog's labels.
 */
import {
  type Attributes,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import type { PoolStats } from '../instrumentation.js';
import { CATALOG, type MetricKey, type MetricSpec, metricName, otelName } from './catalog.js';
import { reportTelemetryError } from './guard.js';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './semconv.js';
import type { CatalogWriters, HistogramChild, Labels } from './writers.js';

export const METER_NAME = '@redis-resilience/core';

/** Catalog label → semconv attribute, for the semconv (`db.client.*`) instruments. */
const SEMCONV_ATTRIBUTES: Readonly<Record<string, string>> = {
  db_system_name: ATTR_DB_SYSTEM_NAME,
  db_operation_name: ATTR_DB_OPERATION_NAME,
  server_address: ATTR_SERVER_ADDRESS,
  server_port: ATTR_SERVER_PORT,
  error_type: ATTR_ERROR_TYPE,
  db_client_connection_pool_name: ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  db_client_connection_state: ATTR_DB_CLIENT_CONNECTION_STATE,
};

/** Semconv units of the non-time instruments (annotations in braces, dropped by the Prometheus translation). */
const SEMCONV_UNITS: Partial<Record<MetricKey, string>> = {
  poolConnectionCount: '{connection}',
  poolConnectionMax: '{connection}',
  poolPendingRequests: '{request}',
  poolTimeouts: '{timeout}',
};

function attributesOf(spec: MetricSpec, labels: Labels): Attributes {
  if (spec.semconv === undefined) return labels;
  const attrs: Attributes = {};
  for (const [k, v] of Object.entries(labels)) {
    if (v === '') continue; // semconv leaves error.type (or an unknown port) out rather than empty
    attrs[SEMCONV_ATTRIBUTES[k] ?? k] = k === 'server_port' ? Number(v) : v;
  }
  return attrs;
}

const isNoop = (p: MeterProvider) => p.constructor?.name === 'NoopMeterProvider';

/**
 * The meter, from `provider` or else the global MeterProvider once the app has registered one, so that a provider
 * registered after init() is found. Until then a write costs one global lookup and one comparison.
 */
export class MeterSource {
  private current: Meter | undefined;
  private noop: MeterProvider | undefined; // the no-op provider last seen: recognised by identity, not by name
  private readonly ready: ((meter: Meter) => void)[] = [];

  constructor(
    private readonly provider: MeterProvider | undefined,
    private readonly version?: string,
  ) {}

  meter(): Meter | undefined {
    if (this.current) return this.current;
    const provider = this.provider ?? metrics.getMeterProvider();
    if (provider === this.noop) return undefined;
    if (isNoop(provider)) {
      this.noop = provider;
      return undefined;
    }
    const meter = provider.getMeter(METER_NAME, this.version);
    this.current = meter;
    for (const f of this.ready.splice(0)) f(meter);
    return meter;
  }

  /** Run `f` with the meter once there is one. */
  whenReady(f: (meter: Meter) => void): void {
    if (this.current) f(this.current);
    else this.ready.push(f);
  }
}

/** Values kept per label set, reported by an observable instrument at each collection. */
class Observed {
  readonly values = new Map<string, { attrs: Attributes; value: number }>();

  constructor(
    private readonly source: MeterSource,
    private readonly spec: MetricSpec,
  ) {}

  entry(labels: Labels): { attrs: Attributes; value: number } {
    this.source.meter();
    const key = Object.values(labels).join('\u0000');
    let e = this.values.get(key);
    if (!e) {
      e = { attrs: attributesOf(this.spec, labels), value: 0 };
      this.values.set(key, e);
    }
    return e;
  }

  inc(labels: Labels, value = 1): void {
    this.entry(labels).value += value;
  }
  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }
  child(labels: Labels): { inc(by?: number): void } {
    const e = this.entry(labels);
    return {
      inc: (by = 1) => {
        e.value += by;
      },
    };
  }
  labels(labels: Labels): { set(value: number): void } {
    const e = this.entry(labels);
    return {
      set: (v) => {
        e.value = v;
      },
    };
  }
  report(r: ObservableResult): void {
    for (const e of this.values.values()) r.observe(e.value, e.attrs);
  }
}

/** A histogram recorded as it happens (there is no observable histogram); nothing is recorded before a meter. */
class Recorded {
  private instrument: Histogram | undefined;

  constructor(
    private readonly source: MeterSource,
    private readonly spec: MetricSpec,
    name: string,
  ) {
    source.whenReady((meter) => {
      this.instrument = meter.createHistogram(name, {
        description: spec.help,
        unit: 's',
        advice: { explicitBucketBoundaries: [...(spec.buckets ?? [])] },
      });
    });
  }

  observe(labels: Labels, value: number): void {
    this.child(labels).observe(value);
  }

  child(labels: Labels): HistogramChild {
    const attrs = attributesOf(this.spec, labels);
    return {
      observe: (seconds, exemplar) => {
        if (!this.instrument && !this.source.meter()) return;
        // A sampled trace as the context: the SDK's trace-based exemplar filter then links the bucket to it.
        const ctx =
          exemplar?.trace_id && exemplar.span_id
            ? trace.setSpanContext(ROOT_CONTEXT, {
                traceId: exemplar.trace_id,
                spanId: exemplar.span_id,
                traceFlags: 1,
              })
            : undefined;
        this.instrument?.record(seconds, attrs, ctx);
      },
    };
  }
}

const POOL_GAUGES: Partial<Record<MetricKey, (s: PoolStats) => [state: string | undefined, value: number][]>> = {
  poolConnectionCount: (s) => [
    ['used', s.used],
    ['idle', s.idle],
  ],
  poolConnectionMax: (s) => [[undefined, s.max]],
  poolPendingRequests: (s) => [[undefined, s.pending]],
};

/** Every catalog entry as an OpenTelemetry instrument (created once the meter exists). */
export function otelCatalog(source: MeterSource, prefix: string): CatalogWriters {
  const pools = new Map<string, () => PoolStats>();
  const all: Record<string, unknown> = {};
  for (const key of Object.keys(CATALOG) as MetricKey[]) {
    const spec: MetricSpec = CATALOG[key];
    const name = otelName(spec, prefix);
    if (spec.type === 'histogram') {
      all[key] = new Recorded(source, spec, name);
      continue;
    }
    const observed = new Observed(source, spec);
    const pool = POOL_GAUGES[key];
    all[key] = key === 'poolConnectionCount' ? Object.assign(observed, { pools }) : observed;
    source.whenReady((meter) => {
      const options = { description: spec.help, ...(SEMCONV_UNITS[key] && { unit: SEMCONV_UNITS[key] }) };
      const instrument =
        spec.type === 'counter'
          ? meter.createObservableCounter(name, options)
          : spec.semconv
            ? meter.createObservableUpDownCounter(name, options)
            : meter.createObservableGauge(name, options);
      instrument.addCallback((r) => {
        if (!pool) return observed.report(r);
        for (const [poolName, stats] of pools) {
          try {
            for (const [state, value] of pool(stats())) {
              const labels = { db_system_name: 'redis', db_client_connection_pool_name: poolName };
              r.observe(value, attributesOf(spec, state ? { ...labels, db_client_connection_state: state } : labels));
            }
          } catch (err) {
            reportTelemetryError(`reading stats of pool ${poolName}`, err); // costs that pool's series only
          }
        }
      });
    });
  }
  return all as CatalogWriters;
}

/**
 * Views for an app that exports with @opentelemetry/exporter-prometheus, which (unlike the spec's translation, the
 * Collector's and Prometheus's own OTLP receiver) appends no unit suffix: they give the semconv time histograms of
 * this package's meter their `_seconds` names, so the shipped dashboards find them. Plain `ViewOptions` objects for
 * `new MeterProvider({ views })`; leave them out when metrics go out over OTLP.
 */
export function prometheusExporterViews(): { meterName: string; instrumentName: string; name: string }[] {
  return Object.values(CATALOG as Record<string, MetricSpec>)
    .filter((s) => s.semconv !== undefined && s.type === 'histogram')
    .map((s) => ({ meterName: METER_NAME, instrumentName: s.semconv as string, name: metricName(s) }));
}
