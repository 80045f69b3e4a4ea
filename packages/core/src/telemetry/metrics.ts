/**
 * The catalog's series for one `client`: bound once per label set, label values bounded. It is an event sink
 * (one method per event it counts) and hands the call tracker the pre-bound series of an operation.
 */
import type { Registry } from 'prom-client';
import { BREAKER_STATES, type BreakerStateName } from '../breaker/state.js';
import { CONNECTION_ERROR_TYPES } from '../errors/types.js';
import type { EventSink, PoolStats, TelemetryEvents } from '../instrumentation.js';
import { BREAKER_TRANSITIONS, CACHE_RESULTS, OUTCOMES, RETRY_CALL_KINDS, type RetryCallKind } from './catalog.js';
import {
  BoundedLabel,
  CLIENT_STATUSES,
  connectionErrorLabel,
  fallbackTypeLabel,
  NODE_PATTERN,
  statusLabel,
} from './labels.js';
import { OperationSeries, type SeriesSource } from './operation-series.js';
import { operationInfo } from './operations.js';
import { registerCatalog } from './registry.js';
import type { CatalogWriters, CounterChild, HistogramChild } from './writers.js';

export interface MetricsConfig {
  /** Prefix for the non-semconv names. */
  prefix: string;
  /** The `client` label value. */
  client: string;
  /** Server of the semconv `db_client_operation_duration_seconds` series. */
  server?: { address: string; port: number | undefined };
}

export type { ExemplarLabels, OperationSeries } from './operation-series.js';

type GaugeChild = { set(value: number): void };
/** The labels of a pool series: semconv's, with the system so that other clients' pools stay apart. */
const poolLabels = (pool: string) => ({ db_system_name: 'redis', db_client_connection_pool_name: pool });

export class MetricsSink implements EventSink, SeriesSource {
  readonly all: CatalogWriters;
  readonly errorTypes = new BoundedLabel(32);
  readonly retryCalls: Record<RetryCallKind, CounterChild>;
  private readonly client: string;
  private readonly serverAddress: string;
  private readonly serverPort: string;
  private readonly operations = new Map<string, OperationSeries>();
  private readonly breakerStates = new Map<string, Record<BreakerStateName, GaugeChild>>();
  private readonly statuses = new Map<string, GaugeChild>();
  private readonly reasons = new BoundedLabel(32);
  private readonly nodes = new BoundedLabel(1024, ['default'], NODE_PATTERN);
  private readonly pools = new BoundedLabel(64, [], NODE_PATTERN);
  private currentStatus: string | undefined;

  /** Over a prom-client registry (the catalog is registered there), or over other writers (the OTel path). */
  constructor(target: Registry | CatalogWriters, config: MetricsConfig) {
    this.all = 'registerMetric' in target ? registerCatalog(target as Registry, config.prefix) : target;
    const client = config.client;
    this.client = client;
    this.serverAddress = config.server?.address ?? '';
    this.serverPort = config.server?.port === undefined ? '' : String(config.server.port);
    // Every series starts at 0, so rate() and absent() see it before the first event.
    this.retryCalls = Object.fromEntries(
      RETRY_CALL_KINDS.map((kind) => [kind, this.all.retryCalls.child({ client, kind })]),
    ) as Record<RetryCallKind, CounterChild>;
    this.all.reconnects.inc({ client }, 0);
    this.all.offlineQueueLength.set({ client }, 0);
    this.all.failovers.inc({ client }, 0);
    for (const status of CLIENT_STATUSES) this.statusChild(status).set(0);
    for (const error_type of CONNECTION_ERROR_TYPES) this.all.connectionErrors.inc({ client, error_type }, 0);
    for (const result of CACHE_RESULTS) this.all.cacheRequests.inc({ client, result }, 0);
    this.breakerState('default', 'closed');
  }

  /** The series of one bounded operation label (see operations.ts). */
  operation(label: string, dbOperationName: string): OperationSeries {
    let s = this.operations.get(label);
    if (!s) {
      const client = this.client;
      const duration = OUTCOMES.map((outcome) =>
        this.all.operationDuration.child({ client, operation: label, outcome }),
      );
      this.all.retryBudgetExhausted.inc({ client, operation: label }, 0);
      s = new OperationSeries(this, label, dbOperationName, duration);
      this.operations.set(label, s);
    }
    return s;
  }

  dbOperation(dbOperationName: string, errorType: string): HistogramChild {
    return this.all.dbOperationDuration.child({
      db_system_name: 'redis',
      db_operation_name: dbOperationName,
      server_address: this.serverAddress,
      server_port: this.serverPort,
      error_type: errorType,
    });
  }

  retry(operation: string, errorType: string): void {
    this.all.retryAttempts.inc({ client: this.client, operation, error_type: this.errorTypes.value(errorType) });
  }

  fallback(type: string, reason: string, served: boolean): void {
    this.all.fallbackInvocations.inc({
      client: this.client,
      fallback_type: fallbackTypeLabel(type),
      reason: this.reasons.value(reason),
      outcome: served ? 'served' : 'failed',
    });
  }

  registerPool(pool: string, stats: () => PoolStats): void {
    const name = this.pools.value(pool);
    this.all.poolConnectionCount.pools.set(name, stats);
    this.all.poolTimeouts.inc(poolLabels(name), 0);
  }

  // ---- events ----

  breakerTransition(t: TelemetryEvents['breakerTransition']): void {
    const node = this.nodes.value(t.node);
    this.breakerState(node, t.to);
    this.all.breakerTransitions.inc({ client: this.client, node, from_state: t.from, to_state: t.to });
    if (t.openMs !== undefined) this.all.breakerOpenDuration.observe({ client: this.client, node }, t.openMs / 1000);
  }

  breakerProbe(p: TelemetryEvents['breakerProbe']): void {
    const labels = { client: this.client, node: this.nodes.value(p.node), trigger: p.trigger };
    this.all.breakerProbes.inc({ ...labels, result: p.ok ? 'success' : 'failure' });
  }

  connectionStatus({ status }: TelemetryEvents['connectionStatus']): void {
    const label = statusLabel(status);
    if (label === this.currentStatus) return;
    if (this.currentStatus !== undefined) this.statusChild(this.currentStatus).set(0);
    this.statusChild(label).set(1);
    this.currentStatus = label;
  }

  connectionError({ type }: TelemetryEvents['connectionError']): void {
    this.all.connectionErrors.inc({ client: this.client, error_type: connectionErrorLabel(type) });
  }

  reconnected(): void {
    this.all.reconnects.inc({ client: this.client });
  }

  offlineQueueLength({ length }: TelemetryEvents['offlineQueueLength']): void {
    this.all.offlineQueueLength.set({ client: this.client }, length);
  }

  retryBudgetExhausted({ operation }: TelemetryEvents['retryBudgetExhausted']): void {
    this.all.retryBudgetExhausted.inc({ client: this.client, operation: operationInfo(operation).label });
  }

  cacheResult({ result }: TelemetryEvents['cacheResult']): void {
    this.all.cacheRequests.inc({ client: this.client, result });
  }

  poolConnectionCreated({ pool, seconds }: TelemetryEvents['poolConnectionCreated']): void {
    this.all.poolCreateTime.observe(poolLabels(this.pools.value(pool)), seconds);
  }

  poolWait({ pool, seconds }: TelemetryEvents['poolWait']): void {
    this.all.poolWaitTime.observe(poolLabels(this.pools.value(pool)), seconds);
  }

  poolUse({ pool, seconds }: TelemetryEvents['poolUse']): void {
    this.all.poolUseTime.observe(poolLabels(this.pools.value(pool)), seconds);
  }

  poolTimeout({ pool }: TelemetryEvents['poolTimeout']): void {
    this.all.poolTimeouts.inc(poolLabels(this.pools.value(pool)));
  }

  failover(): void {
    this.all.failovers.inc({ client: this.client });
  }

  slowCommand({ command }: TelemetryEvents['slowCommand']): void {
    this.all.slowCommands.inc({ client: this.client, command });
  }

  /** 1 for `state`, 0 for the other states of `node`; a node's transitions all start at 0. */
  private breakerState(node: string, state: BreakerStateName): void {
    let children = this.breakerStates.get(node);
    if (!children) {
      const g = this.all.breakerState;
      const client = this.client;
      children = {
        closed: g.labels({ client, node, state: 'closed' }),
        open: g.labels({ client, node, state: 'open' }),
        half_open: g.labels({ client, node, state: 'half_open' }),
      };
      this.breakerStates.set(node, children);
      for (const [from_state, to_state] of BREAKER_TRANSITIONS) {
        this.all.breakerTransitions.inc({ client, node, from_state, to_state }, 0);
      }
    }
    for (const s of BREAKER_STATES) children[s].set(s === state ? 1 : 0);
  }

  private statusChild(status: string): GaugeChild {
    let child = this.statuses.get(status);
    if (!child) {
      child = this.all.clientStatus.labels({ client: this.client, status });
      this.statuses.set(status, child);
    }
    return child;
  }
}
