/**
 * The Instrumentation's view of the catalog for one `client`: every series it moves, bound once per label set, with
 * label values bounded. Registration is catalog-metrics.ts; connection pools are pool-metrics.ts.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import {
  BREAKER_STATES,
  type BreakerStateName,
  CACHE_RESULTS,
  CONNECTION_ERROR_TYPES,
  OUTCOMES,
  type Outcome,
  type RetryCallKind,
} from './catalog.js';
import { type CatalogMetrics, registerCatalog } from './catalog-metrics.js';
import type { CounterSeries, HistogramSeries } from './fast-metrics.js';
import {
  BoundedLabel,
  CLIENT_STATUSES,
  connectionErrorLabel,
  fallbackTypeLabel,
  NODE_PATTERN,
  STREAM_PATTERN,
  statusLabel,
} from './labels.js';
import { PoolMetrics, type PoolStats } from './pool-metrics.js';
import { SessionMetrics } from './session-metrics.js';

export type { CatalogMetrics } from './catalog-metrics.js';
export type { PoolStats } from './pool-metrics.js';

export interface MetricsConfig {
  /** Prefix for the non-semconv names. */
  prefix: string;
  /** The `client` label value. */
  client: string;
  /** Server of the semconv `db_client_operation_duration_seconds` series. */
  server?: { address: string; port: number | undefined };
}

/** Exemplar labels of one observation: the trace it belongs to. */
export type ExemplarLabels = { readonly trace_id: string; readonly span_id: string };

type CounterChild = Counter.Internal;

/** Every transition the breaker can make. */
const BREAKER_TRANSITIONS: ReadonlyArray<readonly [BreakerStateName, BreakerStateName]> = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'closed'],
  ['half_open', 'open'],
];
type GaugeChild = Gauge.Internal<string>;

/** Pre-bound series for one operation label: the call duration per outcome, attempts per error type, retries. */
interface OperationSeries {
  readonly duration: HistogramSeries[];
  readonly retries: Map<string, CounterChild>;
  readonly attempts: Map<string, HistogramSeries>;
  budgetExhausted: CounterChild | undefined;
}

const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<
  Outcome,
  number
>;

export class Metrics {
  readonly all: CatalogMetrics;
  private readonly client: string;
  private readonly serverAddress: string;
  private readonly serverPort: string;
  private readonly operations = new Map<string, OperationSeries>();
  private readonly retryCalls: Record<RetryCallKind, CounterSeries>;
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
  private readonly failovers: CounterChild;
  private readonly poolMetrics: PoolMetrics;
  private readonly primedStreams = new Set<string>();
  /** The session store's write-back series. */
  readonly sessions: SessionMetrics;

  constructor(
    readonly registry: Registry,
    config: MetricsConfig,
  ) {
    this.all = registerCatalog(registry, config.prefix);
    this.poolMetrics = new PoolMetrics(this.all);
    this.client = config.client;
    this.serverAddress = config.server?.address ?? '';
    this.serverPort = config.server?.port === undefined ? '' : String(config.server.port);

    const client = this.client;
    // Every retry outcome at 0 from the start, so rate() and absent() see the series before the first call.
    const calls = this.all.retryCalls;
    this.retryCalls = {
      success_without_retry: calls.child({ client, kind: 'success_without_retry' }),
      success_with_retry: calls.child({ client, kind: 'success_with_retry' }),
      failed_without_retry: calls.child({ client, kind: 'failed_without_retry' }),
      failed_with_retry: calls.child({ client, kind: 'failed_with_retry' }),
    };
    this.reconnects = this.all.reconnects.labels({ client });
    this.reconnects.inc(0);
    this.offlineQueue = this.all.offlineQueueLength.labels({ client });
    this.offlineQueue.set(0);
    this.failovers = this.all.failovers.labels({ client });
    this.failovers.inc(0);
    for (const status of CLIENT_STATUSES) this.statusChild(status).set(0);
    for (const error_type of CONNECTION_ERROR_TYPES) this.all.connectionErrors.inc({ client, error_type }, 0);
    for (const result of CACHE_RESULTS) this.cacheResultChild(result).inc(0);
    this.sessions = new SessionMetrics(this.all, client);
    this.setBreakerState('default', 'closed');
  }

  private series(operation: string): OperationSeries {
    let s = this.operations.get(operation);
    if (!s) {
      const client = this.client;
      s = {
        duration: OUTCOMES.map((outcome) => this.all.operationDuration.child({ client, operation, outcome })),
        retries: new Map(),
        attempts: new Map(),
        budgetExhausted: this.all.retryBudgetExhausted.labels({ client, operation }),
      };
      s.budgetExhausted?.inc(0);
      this.operations.set(operation, s);
    }
    return s;
  }

  /** One logical call ended. `operation` must already be a bounded label (see operations.ts). */
  observeCall(operation: string, outcome: Outcome, seconds: number, exemplar?: ExemplarLabels): void {
    const s = this.series(operation);
    const i = OUTCOME_INDEX[outcome] ?? OUTCOME_INDEX.failure;
    s.duration[i]!.observe(seconds, exemplar);
  }

  /** One physical attempt ended (semconv `db_client_operation_duration_seconds`); `errorType` undefined on success. */
  observeAttempt(operation: string, dbOperationName: string, errorType: string | undefined, seconds: number): void {
    const s = this.series(operation);
    const type = errorType === undefined ? '' : this.errorTypes.value(errorType);
    let child = s.attempts.get(type);
    if (!child) {
      child = this.all.dbOperationDuration.child({
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

  private cacheResultChild(result: string): CounterChild {
    let child = this.cacheResults.get(result);
    if (!child) {
      child = this.all.cacheRequests.labels({ client: this.client, result });
      this.cacheResults.set(result, child);
    }
    return child;
  }

  cacheResult(result: 'hit' | 'miss' | 'fallback'): void {
    this.cacheResultChild(result).inc();
  }

  queueSpooled(stream: string, depth: number): void {
    const label = this.streams.value(stream);
    this.primeStream(label);
    this.all.queueSpooled.set({ client: this.client, stream: label }, depth);
  }

  /** Spooled, replayed and dead-lettered exist from a stream's first publish, at 0. */
  private primeStream(stream: string): void {
    if (this.primedStreams.has(stream)) return;
    this.primedStreams.add(stream);
    const labels = { client: this.client, stream };
    this.all.queueReplayed.inc(labels, 0);
    this.all.queueDeadLettered.inc(labels, 0);
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
      // Counters that appear only at their first event lose that event to rate(): start every transition at 0.
      for (const [from_state, to_state] of BREAKER_TRANSITIONS) {
        this.all.breakerTransitions.inc({ client, node: n, from_state, to_state }, 0);
      }
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

  reconnected(): void {
    this.reconnects.inc();
  }

  offlineQueueLength(length: number): void {
    this.offlineQueue.set(length);
  }

  failover(): void {
    this.failovers.inc();
  }

  slowCommand(command: string): void {
    this.all.slowCommands.inc({ client: this.client, command });
  }

  registerPool(pool: string, stats: () => PoolStats): void {
    this.poolMetrics.register(pool, stats);
  }

  poolConnectionCreated(pool: string, seconds: number): void {
    this.poolMetrics.created(pool, seconds);
  }

  poolWait(pool: string, seconds: number): void {
    this.poolMetrics.wait(pool, seconds);
  }

  poolUse(pool: string, seconds: number): void {
    this.poolMetrics.use(pool, seconds);
  }

  poolTimeout(pool: string): void {
    this.poolMetrics.timeout(pool);
  }
}

/** Register the whole catalog into `registry` (never the global one unless the caller passes it). */
export function createMetrics(registry: Registry, config: MetricsConfig): Metrics {
  return new Metrics(registry, config);
}
