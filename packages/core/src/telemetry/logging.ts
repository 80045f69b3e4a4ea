/**
 * Structured logs for the decisions an operator acts on: breaker transitions and connection changes. Fields are
 * bounded and safe: the client name, `address:port`, statuses and error types. Never an error message (a Redis
 * reply can quote a key), a password, a key or a value.
 */
import type { BreakerTransition } from '../breaker/state.js';
import type { Endpoint, EventSink, TelemetryEvents } from '../instrumentation.js';
import { type Logger, safeLog } from '../logger.js';

/** At most one error log per error type per window; the rest are counted and reported with the next one. */
export const ERROR_LOG_WINDOW_MS = 10_000;

interface ErrorWindow {
  loggedAt: number;
  suppressed: number;
}

/** A Node error code such as ECONNREFUSED: a fixed token, safe to log. */
function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

export function endpointAddress(endpoint: Endpoint): string {
  return endpoint.port === undefined ? endpoint.address : `${endpoint.address}:${endpoint.port}`;
}

/** The log as an event sink: one method per event it logs. */
export class TelemetryLog implements EventSink {
  private readonly errors = new Map<string, ErrorWindow>();
  private readonly replayErrors = new Map<string, ErrorWindow>();
  private lastStatus: string | undefined;
  private readonly fields: { client: string; address: string };

  constructor(
    private readonly logger: Logger | undefined,
    client: string,
    endpoint: Endpoint,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.fields = { client, address: endpointAddress(endpoint) };
  }

  breakerTransition(t: BreakerTransition): void {
    if (!this.logger) return;
    const fields: Record<string, unknown> = { ...this.fields, node: t.node, from: t.from, to: t.to, cause: t.cause };
    if (t.openMs !== undefined) fields.open_ms = Math.round(t.openMs);
    // A failed probe during a long outage is routine: one warning when it opens, then debug until it closes.
    if (t.to === 'open' && t.from === 'closed') {
      safeLog(this.logger, 'warn', fields, 'redis circuit breaker opened: calls fail fast');
    } else if (t.to === 'open') safeLog(this.logger, 'debug', fields, 'redis circuit breaker probe failed: still open');
    else if (t.to === 'half_open') safeLog(this.logger, 'debug', fields, 'redis circuit breaker half-open: probing');
    else safeLog(this.logger, 'info', fields, 'redis circuit breaker closed: Redis serves again');
  }

  /** Sentinel moved the master; both sides are `host:port`, never credentials. */
  failover({ from, to }: TelemetryEvents['failover']): void {
    if (!this.logger) return;
    safeLog(this.logger, 'warn', { ...this.fields, from, to }, 'redis master changed (failover)');
  }

  /**
   * Info when the connection comes up, when it is lost, and when it ends for good. While it is down, ioredis cycles
   * through reconnecting/connecting/close on every attempt; those go to debug, or an outage would flood the log.
   */
  connectionStatus({ status }: TelemetryEvents['connectionStatus']): void {
    if (!this.logger || status === this.lastStatus) return;
    const previous = this.lastStatus;
    this.lastStatus = status;
    const fields: Record<string, unknown> = { ...this.fields, status };
    if (status === 'ready') {
      // Errors hidden by the rate limit during an outage are accounted for when it ends.
      const suppressed = this.drainSuppressed();
      if (suppressed > 0) fields.suppressed_errors = suppressed;
      safeLog(this.logger, 'info', fields, 'redis connection ready');
    } else if (status === 'end') {
      safeLog(this.logger, 'info', fields, 'redis connection ended');
    } else if (previous === undefined || previous === 'ready') {
      safeLog(
        this.logger,
        'info',
        fields,
        previous ? `redis connection lost (${status})` : `redis connection ${status}`,
      );
    } else {
      safeLog(this.logger, 'debug', fields, `redis connection ${status}`);
    }
  }

  connectionError({ type, error: err }: TelemetryEvents['connectionError']): void {
    const fields = this.rateLimited(this.errors, type);
    if (!fields || !this.logger) return;
    fields.error_type = type;
    const code = errorCode(err);
    if (code) fields.code = code;
    safeLog(this.logger, 'warn', fields, `redis connection error: ${type}`);
  }

  /** Always logged: a damaged spool is rare, and the operator needs both paths to look at it. */
  queueSpoolQuarantined(e: TelemetryEvents['queueSpoolQuarantined']): void {
    if (!this.logger) return;
    const { path, quarantinedAs, reason, detail, salvaged, unreadable, during } = e;
    safeLog(
      this.logger,
      'error',
      {
        client: this.fields.client,
        spool: path,
        quarantined_as: quarantinedAs,
        reason,
        detail,
        salvaged,
        unreadable,
        during,
      },
      `queue spool damaged (${reason}): moved aside, ${salvaged} message(s) salvaged into a fresh spool`,
    );
  }

  /** Rate-limited like connection errors: a failing replay runs every interval. */
  queueReplayFailed({ reason, error: err }: TelemetryEvents['queueReplayFailed']): void {
    const fields = this.rateLimited(this.replayErrors, reason);
    if (!fields || !this.logger) return;
    fields.reason = reason;
    const code = errorCode(err);
    if (code) fields.code = code;
    safeLog(this.logger, 'error', fields, `queue replay failed: ${reason}; spooled messages are not moving`);
  }

  /** The base fields when `key` may log now (with how many were suppressed since), else undefined. */
  private rateLimited(windows: Map<string, ErrorWindow>, key: string): Record<string, unknown> | undefined {
    if (!this.logger) return undefined;
    const now = this.now();
    const window = windows.get(key);
    if (window && now - window.loggedAt < ERROR_LOG_WINDOW_MS) {
      window.suppressed++;
      return undefined;
    }
    const fields: Record<string, unknown> = { ...this.fields };
    if (window && window.suppressed > 0) fields.suppressed = window.suppressed;
    windows.set(key, { loggedAt: now, suppressed: 0 });
    return fields;
  }

  private drainSuppressed(): number {
    let total = 0;
    for (const w of this.errors.values()) {
      total += w.suppressed;
      w.suppressed = 0;
    }
    return total;
  }
}
