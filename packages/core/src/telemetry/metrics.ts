/**
 * The catalog registered into one injected prom-client Registry, with label children bound once per distinct label
 * set so the per-call cost is one child update rather than a label lookup, validation and allocation each time.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  BREAKER_STATES,
  type BreakerStateName,
  CATALOG,
  type MetricKey,
  type MetricSpec,
  metricName,
  OUTCOMES,
  type Outcome,
  type RetryCallKind,
} from './catalog.js';
import {
  BoundedLabel,
  CLIENT_STATUSES,
  connectionErrorLabel,
  fallbackTypeLabel,
  NODE_PATTERN,
  STREAM_PATTERN,
  statusLabel,
} from './labels.js';

/**
 * The type of each catalog entry, spelled out because the catalog's specs are typed as plain `MetricSpec`. The
 * constructor checks this table against the catalog, so a changed catalog entry fails loudly at creation.
 */
const KINDS = {
  operationDuration: 'histogram',
  breakerState: 'gauge',
  breakerTransitions: 'counter',
  retryAttempts: 'counter',
  retryCalls: 'counter',
  retryBudgetExhausted: 'counter',
  fallbackInvocations: 'counter',
  connectionErrors: 'counter',
  clientStatus: 'gauge',
  reconnects: 'counter',
  offlineQueueLength: 'gauge',
  cacheRequests: 'counter',
  queueSpooled: 'gauge',
  queueReplayed: 'counter',
  queueDeadLettered: 'counter',
  failovers: 'counter',
  slowCommands: 'counter',
  dbOperationDuration: 'histogram',
  poolConnectionCount: 'gauge',
  poolConnectionMax: 'gauge',
  poolPendingRequests: 'gauge',
  poolTimeouts: 'counter',
  poolCreateTime: 'histogram',
  poolWaitTime: 'histogram',
  poolUseTime: 'histogram',
} as const satisfies Record<MetricKey, MetricSpec['type']>;

interface MetricClasses {
  counter: Counter;
  gauge: Gauge;
  histogram: Histogram;
}

/** Every catalog metric object; what other modules (pool, slowlog, failover) record into. */
export type CatalogMetrics = { readonly [K in MetricKey]: MetricClasses[(typeof KINDS)[K]] };

export interface MetricsConfig {
  /** Prefix for the non-semconv names. */
  prefix: string;
  /** The `client` label value. */
  client: string;
  /** Server of the semconv `db_client_operation_duration_seconds` series. */
  server?: { address: string; port: number | undefined };
}

/** Exemplar labels of one observation: the trace it belongs to. */
export interface ExemplarLabels {
  trace_id: string;
  span_id: string;
}

type HistogramChild = Histogram.Internal<string>;
type CounterChild = Counter.Internal;
type GaugeChild = Gauge.Internal<string>;

/** Pre-bound series for one operation label: the duration child per outcome and its label object (for exemplars). */
interface OperationSeries {
  readonly duration: HistogramChild[];
  readonly durationLabels: Record<'client' | 'operation' | 'outcome', string>[];
  readonly retries: Map<string, CounterChild>;
  readonly attempts: Map<string, HistogramChild>;
  budgetExhausted: CounterChild | undefined;
}

const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<
  Outcome,
  number
>;

function create(registry: Registry, key: MetricKey, prefix: string): unknown {
  const spec: MetricSpec = CATALOG[key];
  if (spec.type !== KINDS[key]) throw new Error(`catalog entry ${key} is a ${spec.type}; update KINDS in metrics.ts`);
  const name = metricName(spec, prefix);
  const existing = registry.getSingleMetric(name) as unknown as { type?: string; labelNames?: string[] } | undefined;
  if (existing) {
    // Two instances (two `client` labels) may share one registry; they then share the metric objects.
    const sameLabels =
      existing.labelNames?.length === spec.labels.length && spec.labels.every((l, i) => existing.labelNames?.[i] === l);
    if (existing.type === spec.type && sameLabels) return existing;
    throw new Error(
      `metric ${name} is already registered in this registry as a ${existing.type} with labels ` +
        `[${existing.labelNames?.join(', ')}]; use another registry or metrics.prefix`,
    );
  }
  // Registered by hand: prom-client's constructor refuses an exemplar histogram in a Prometheus-format registry,
  // although rendering handles it (exemplars are written only in OpenMetrics, see exposition.ts).
  const config = { name, help: spec.help, labelNames: [...spec.labels], registers: [] };
  let metric: Counter | Gauge | Histogram;
  switch (spec.type) {
    case 'counter':
      metric = new Counter(config);
      break;
    case 'gauge':
      metric = new Gauge(config);
      break;
    case 'histogram':
      // Exemplars link a latency bucket to a trace; only the logical call duration carries them.
      metric = new Histogram({
        ...config,
        buckets: [...(spec.buckets ?? [])],
        enableExemplars: key === 'operationDuration',
      });
      break;
  }
  registry.registerMetric(metric);
  return metric;
}

export class Metrics {
  readonly all: CatalogMetrics;
  private readonly client: string;
  private readonly serverAddress: string;
  private readonly serverPort: string;
  private readonly operations = new Map<string, OperationSeries>();
  private readonly retryCalls: Record<RetryCallKind, CounterChild>;
  private readonly breakerStates = new Map<string, Record<BreakerStateName, GaugeChild>>();
  private readonly statuses = new Map<string, GaugeChild>();
  private readonly cacheResults = new Map<string, CounterChild>();
  private readonly streams = new BoundedLabel(64, [], STREAM_PATTERN);
  private currentStatus: string | undefined;
  private readonly errorTypes = new BoundedLabel(32);
  private readonly reasons = new BoundedLabel(32);
  private readonly nodes = new BoundedLabel(1024, ['default'], NODE_PATTERN);
  private readonly reconnects: CounterChild;
  private readonly offlineQueue: GaugeChild;
  /** false when a shared registry already held a duration histogram without exemplars. */
  private readonly exemplars: boolean;

  constructor(
    readonly registry: Registry,
    config: MetricsConfig,
  ) {
    const all: Partial<Record<MetricKey, unknown>> = {};
    for (const key of Object.keys(CATALOG) as MetricKey[]) all[key] = create(registry, key, config.prefix);
    this.all = all as CatalogMetrics;
    this.exemplars = (this.all.operationDuration as unknown as { enableExemplars?: boolean }).enableExemplars === true;
    this.client = config.client;
    this.serverAddress = config.server?.address ?? '';
    this.serverPort = config.server?.port === undefined ? '' : String(config.server.port);

    const client = this.client;
    const calls = this.all.retryCalls;
    this.retryCalls = {
      success_without_retry: calls.labels({ client, kind: 'success_without_retry' }),
      success_with_retry: calls.labels({ client, kind: 'success_with_retry' }),
      failed_without_retry: calls.labels({ client, kind: 'failed_without_retry' }),
      failed_with_retry: calls.labels({ client, kind: 'failed_with_retry' }),
    };
    // Counters at 0 from the start, so rate() and absent() see the series before the first event.
    for (const child of Object.values(this.retryCalls)) child.inc(0);
    this.reconnects = this.all.reconnects.labels({ client });
    this.reconnects.inc(0);
    this.offlineQueue = this.all.offlineQueueLength.labels({ client });
    this.offlineQueue.set(0);
    for (const status of CLIENT_STATUSES) this.statusChild(status).set(0);
    this.setBreakerState('default', 'closed');
  }

  private series(operation: string): OperationSeries {
    let s = this.operations.get(operation);
    if (!s) {
      const client = this.client;
      const durationLabels = OUTCOMES.map((outcome) => ({ client, operation, outcome }));
      s = {
        duration: durationLabels.map((l) => this.all.operationDuration.labels(l)),
        durationLabels,
        retries: new Map(),
        attempts: new Map(),
        budgetExhausted: undefined,
      };
      this.operations.set(operation, s);
    }
    return s;
  }

  /** One logical call ended. `operation` must already be a bounded label (see operations.ts). */
  observeCall(operation: string, outcome: Outcome, seconds: number, exemplar?: ExemplarLabels): void {
    const s = this.series(operation);
    const i = OUTCOME_INDEX[outcome] ?? OUTCOME_INDEX.failure;
    if (exemplar && this.exemplars) {
      // Only the top-level observe records exemplars; label children do not.
      this.all.operationDuration.observe({
        labels: s.durationLabels[i]!,
        value: seconds,
        exemplarLabels: { trace_id: exemplar.trace_id, span_id: exemplar.span_id },
      });
    } else {
      s.duration[i]!.observe(seconds);
    }
  }

  /** One physical attempt ended (semconv `db_client_operation_duration_seconds`); `errorType` undefined on success. */
  observeAttempt(operation: string, dbOperationName: string, errorType: string | undefined, seconds: number): void {
    const s = this.series(operation);
    const type = errorType === undefined ? '' : this.errorTypes.value(errorType);
    let child = s.attempts.get(type);
    if (!child) {
      child = this.all.dbOperationDuration.labels({
        db_system_name: 'redis',
        db_operation_name: dbOperationName,
        server_address: this.serverAddress,
        server_port: this.serverPort,
        error_type: type,
      });
      s.attempts.set(type, child);
    }
    child.observe(seconds);
  }

  retryCall(kind: RetryCallKind): void {
    this.retryCalls[kind].inc();
  }

  retry(operation: string, errorType: string): void {
    const s = this.series(operation);
    const type = this.errorTypes.value(errorType);
    let child = s.retries.get(type);
    if (!child) {
      child = this.all.retryAttempts.labels({ client: this.client, operation, error_type: type });
      s.retries.set(type, child);
    }
    child.inc();
  }

  retryBudgetExhausted(operation: string): void {
    const s = this.series(operation);
    s.budgetExhausted ??= this.all.retryBudgetExhausted.labels({ client: this.client, operation });
    s.budgetExhausted.inc();
  }

  fallback(type: string, reason: string, served: boolean): void {
    this.all.fallbackInvocations.inc({
      client: this.client,
      fallback_type: fallbackTypeLabel(type),
      reason: this.reasons.value(reason),
      outcome: served ? 'served' : 'failed',
    });
  }

  cacheResult(result: 'hit' | 'miss' | 'fallback'): void {
    let child = this.cacheResults.get(result);
    if (!child) {
      child = this.all.cacheRequests.labels({ client: this.client, result });
      this.cacheResults.set(result, child);
    }
    child.inc();
  }

  queueSpooled(stream: string, depth: number): void {
    this.all.queueSpooled.set({ client: this.client, stream: this.streams.value(stream) }, depth);
  }

  queueReplayed(stream: string, count: number): void {
    this.all.queueReplayed.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  queueDeadLettered(stream: string, count: number): void {
    this.all.queueDeadLettered.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  /** 1 for `state`, 0 for the other states of `node`. */
  setBreakerState(node: string, state: BreakerStateName): void {
    const n = this.nodes.value(node);
    let children = this.breakerStates.get(n);
    if (!children) {
      const g = this.all.breakerState;
      const client = this.client;
      children = {
        closed: g.labels({ client, node: n, state: 'closed' }),
        open: g.labels({ client, node: n, state: 'open' }),
        half_open: g.labels({ client, node: n, state: 'half_open' }),
      };
      this.breakerStates.set(n, children);
    }
    for (const s of BREAKER_STATES) children[s].set(s === state ? 1 : 0);
  }

  breakerTransition(node: string, from: BreakerStateName, to: BreakerStateName): void {
    this.setBreakerState(node, to);
    this.all.breakerTransitions.inc({
      client: this.client,
      node: this.nodes.value(node),
      from_state: from,
      to_state: to,
    });
  }

  private statusChild(status: string): GaugeChild {
    let child = this.statuses.get(status);
    if (!child) {
      child = this.all.clientStatus.labels({ client: this.client, status });
      this.statuses.set(status, child);
    }
    return child;
  }

  connectionStatus(status: string): void {
    const label = statusLabel(status);
    if (label === this.currentStatus) return;
    if (this.currentStatus !== undefined) this.statusChild(this.currentStatus).set(0);
    this.statusChild(label).set(1);
    this.currentStatus = label;
  }

  connectionError(type: string): void {
    this.all.connectionErrors.inc({ client: this.client, error_type: connectionErrorLabel(type) });
  }

  reconnecting(): void {
    this.reconnects.inc();
  }

  offlineQueueLength(length: number): void {
    this.offlineQueue.set(length);
  }
}

/** Register the whole catalog into `registry` (never the global one unless the caller passes it). */
export function createMetrics(registry: Registry, config: MetricsConfig): Metrics {
  return new Metrics(registry, config);
}
