/**
 * The mixin's one config, after the Prometheus monitoring mixins' `_config`: every selector, threshold, `for:`
 * duration and severity the dashboard, the rules and the Alertmanager inhibition are generated from. DEFAULT_CONFIG
 * generates the files committed under grafana/ (test/generate.test.ts fails when they are stale).
 */

export type AlertName =
  | 'RedisHighFailureRatio'
  | 'RedisCircuitBreakerOpen'
  | 'RedisServerDown'
  | 'RedisRetryStorm'
  | 'RedisFallbackRateHigh'
  | 'RedisLatencyP99High'
  | 'RedisOfflineQueueGrowing'
  | 'RedisQueueSpoolGrowing'
  | 'RedisPoolSaturated'
  | 'RedisReconnectFlapping'
  | 'RedisQueueDeadLetters'
  | 'RedisOutOfMemory'
  | 'RedisSessionWriteBackDropped'
  | 'RedisQueueSpoolQuarantined'
  | 'RedisQueueReplayFailing';

/** `page` wakes someone up; `ticket` waits for working hours. The label values they map to are configurable. */
export type Urgency = 'page' | 'ticket';

export interface AlertConfig {
  readonly urgency: Urgency;
  /** Prometheus `for:`; omit to fire on the first evaluation. */
  readonly for?: string;
}

export interface MixinConfig {
  /**
   * Matchers every series of the instrumented services must carry, in rules and in the dashboard's variable queries,
   * e.g. `job=~"checkout|cart"`. Empty: any job.
   */
  readonly serviceSelector: string;
  /** Matchers for redis_exporter's series, e.g. `job="redis-exporter"`. Empty: any. */
  readonly exporterSelector: string;
  /**
   * Labels that tell deployments apart, e.g. `['cluster', 'namespace']`: every aggregation and join keeps them, the
   * recording rules are named after them (`cluster_namespace_job_client:…`), the dashboard gets a variable for each,
   * and the Alertmanager inhibition matches on them.
   */
  readonly extraLabels: readonly string[];
  /** Rate windows: `long` for the ratios, `short` (at least 4 scrape intervals) so a page resolves soon after recovery. */
  readonly windows: { readonly long: string; readonly short: string };
  readonly thresholds: {
    /** failure + rejected calls / all calls. */
    readonly failureRatio: number;
    /** p99 of logical call duration in seconds, rejected calls excluded. */
    readonly latencyP99Seconds: number;
    /** Retries scheduled per logical call. */
    readonly retriesPerCall: number;
    /** Fallback invocations per logical call. */
    readonly fallbackRatio: number;
    /** Calls per second below which the ratio alerts stay quiet (one failed call of a cron job is not an incident). */
    readonly minCallRate: number;
    /** Reconnects in 10 minutes. */
    readonly reconnects: number;
  };
  readonly alerts: Readonly<Record<AlertName, AlertConfig>>;
  /** The `severity` label value of each urgency. */
  readonly severities: Readonly<Record<Urgency, string>>;
  /** `runbook_url` is this plus `<AlertName>.md`; the dashboard links to it too. */
  readonly runbookBaseUrl: string;
}

export const REPOSITORY_URL = 'https://github.com/redis-resilience/redis-resilience';

export const DEFAULT_CONFIG: MixinConfig = {
  serviceSelector: '',
  exporterSelector: '',
  extraLabels: [],
  windows: { long: '5m', short: '1m' },
  thresholds: {
    failureRatio: 0.05,
    latencyP99Seconds: 0.05,
    retriesPerCall: 0.2,
    fallbackRatio: 0.05,
    minCallRate: 0.1,
    reconnects: 5,
  },
  // One Redis outage pages each affected service once, through RedisHighFailureRatio: the symptom its users see.
  // The rest are causes or consequences of the same outage and become tickets (muted by the Alertmanager
  // inhibition while the page fires). 90s: a full outage pages after about a minute and a half; one of a minute or
  // less (a failover, a restart) does not page, because the 1m window forgets it first (alerts/tests/blip.test.yml).
  alerts: {
    RedisHighFailureRatio: { urgency: 'page', for: '90s' },
    RedisCircuitBreakerOpen: { urgency: 'ticket', for: '1m' },
    RedisServerDown: { urgency: 'ticket', for: '1m' },
    RedisRetryStorm: { urgency: 'ticket', for: '5m' },
    RedisFallbackRateHigh: { urgency: 'ticket', for: '10m' },
    RedisLatencyP99High: { urgency: 'ticket', for: '10m' },
    RedisOfflineQueueGrowing: { urgency: 'ticket', for: '2m' },
    RedisQueueSpoolGrowing: { urgency: 'ticket', for: '10m' },
    RedisPoolSaturated: { urgency: 'ticket', for: '5m' },
    RedisReconnectFlapping: { urgency: 'ticket', for: '5m' },
    RedisQueueDeadLetters: { urgency: 'ticket' },
    RedisOutOfMemory: { urgency: 'ticket', for: '3m' },
    RedisSessionWriteBackDropped: { urgency: 'ticket' },
    RedisQueueSpoolQuarantined: { urgency: 'ticket' },
    RedisQueueReplayFailing: { urgency: 'ticket', for: '5m' },
  },
  severities: { page: 'critical', ticket: 'warning' },
  runbookBaseUrl: `${REPOSITORY_URL}/blob/main/docs/runbooks/`,
};

export interface ConfigOverrides
  extends Partial<Omit<MixinConfig, 'windows' | 'thresholds' | 'alerts' | 'severities'>> {
  readonly windows?: Partial<MixinConfig['windows']>;
  readonly thresholds?: Partial<MixinConfig['thresholds']>;
  readonly alerts?: Partial<Record<AlertName, Partial<AlertConfig>>>;
  readonly severities?: Partial<MixinConfig['severities']>;
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
/** Labels the mixin itself groups by; an extra label must be another one. */
const OWN_LABELS = ['job', 'client', 'instance', 'node', 'state', 'le', 'severity', 'alertname'];

/** DEFAULT_CONFIG with `overrides` merged in, checked: a bad value throws naming the field. */
export function mixinConfig(overrides: ConfigOverrides = {}): MixinConfig {
  const alerts = { ...DEFAULT_CONFIG.alerts };
  for (const [name, o] of Object.entries(overrides.alerts ?? {}) as [AlertName, Partial<AlertConfig>][]) {
    if (!(name in alerts)) throw new Error(`alerts.${name}: unknown alert (known: ${Object.keys(alerts).join(', ')})`);
    alerts[name] = { ...alerts[name], ...o };
  }
  const c: MixinConfig = {
    ...DEFAULT_CONFIG,
    ...overrides,
    windows: { ...DEFAULT_CONFIG.windows, ...overrides.windows },
    thresholds: { ...DEFAULT_CONFIG.thresholds, ...overrides.thresholds },
    alerts,
    severities: { ...DEFAULT_CONFIG.severities, ...overrides.severities },
  };
  for (const l of c.extraLabels) {
    if (!LABEL.test(l) || OWN_LABELS.includes(l)) {
      throw new Error(`extraLabels: "${l}" must be a label name other than ${OWN_LABELS.join(', ')}`);
    }
  }
  for (const [k, v] of Object.entries(c.windows)) {
    if (!DURATION.test(v)) throw new Error(`windows.${k}: "${v}" is not a Prometheus duration`);
  }
  for (const [k, v] of Object.entries(c.thresholds)) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`thresholds.${k}: must be a positive number (got ${v})`);
  }
  for (const [name, a] of Object.entries(c.alerts)) {
    if (a.urgency !== 'page' && a.urgency !== 'ticket') throw new Error(`alerts.${name}.urgency: page or ticket`);
    if (a.for !== undefined && !DURATION.test(a.for))
      throw new Error(`alerts.${name}.for: "${a.for}" is not a duration`);
  }
  return c;
}

const UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

/** `1m` → `1 minute`, `10m` → `10 minutes`, for descriptions; anything else is returned as it is. */
export function humanDuration(d: string | undefined): string {
  const m = /^(\d+)([smhd])$/.exec(d ?? '');
  if (!m) return d ?? 'at once';
  return `${m[1]} ${UNITS[m[2] ?? '']}${m[1] === '1' ? '' : 's'}`;
}

/** Labels a per-service aggregation keeps: the extra ones, then job and client. */
export const serviceLabels = (c: MixinConfig): string[] => [...c.extraLabels, 'job', 'client'];
