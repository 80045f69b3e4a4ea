/**
 * Structured logs for the decisions an operator acts on: breaker transitions and connection changes. Fields are
 * bounded and safe: the client name, `address:port`, statuses and error types. Never an error message (a Redis
 * reply can quote a key), a password, a key or a value.
 */
import type { BreakerTransition } from '../breaker/state.js';
import type { Endpoint, EventSink, TelemetryEvents } from '../instrumentation.js';
import { type Logger, safeLog } from '../logger.js';
import { LogWindows } from './log-windows.js';

export { ERROR_LOG_WINDOW_MS } from './log-windows.js';

const SESSION_DROP_MESSAGES: Readonly<Record<TelemetryEvents['sessionDropped']['reason'], string>> = {
  evicted:
    'pending session writes evicted before reaching Redis: the session fallback memory is full (fallbacks.sessions.maxFallbackEntries)',
  command_error: 'pending session writes dropped: Redis refused them with a command error',
  closed: 'pending session writes lost at close: they never reached Redis (await rr.sessions.flush() before close)',
};

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
  private readonly errors: LogWindows;
  private readonly replayErrors: LogWindows;
  private readonly sessionDrops: LogWindows;
  private lastStatus: string | undefined;
  private readonly fields: { client: string; address: string };

  constructor(
    private readonly logger: Logger | undefined,
    client: string,
    endpoint: Endpoint,
    now: () => number = () => performance.now(),
  ) {
    this.fields = { client, address: endpointAddress(endpoint) };
    this.errors = new LogWindows(now);
    this.replayErrors = new LogWindows(now);
    this.sessionDrops = new LogWindows(now);
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
      const suppressed = this.errors.drain();
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
    this.limitedError(this.errors, 'error_type', type, err, 'warn', `redis connection error: ${type}`);
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
    const message = `queue replay failed: ${reason}; spooled messages are not moving`;
    this.limitedError(this.replayErrors, 'reason', reason, err, 'error', message);
  }

  /** Outage session writes lost: a warning, never a session id. Rate-limited, with the losses in between added up. */
  sessionDropped({ reason, count }: TelemetryEvents['sessionDropped']): void {
    const fields = this.rateLimited(this.sessionDrops, reason, count);
    if (!fields || !this.logger) return;
    Object.assign(fields, { reason, count });
    safeLog(this.logger, 'warn', fields, SESSION_DROP_MESSAGES[reason]);
  }

  /** A rate-limited error line: the base fields, `label: key`, and the error's code when it is a safe token. */
  private limitedError(
    windows: LogWindows,
    label: string,
    key: string,
    err: unknown,
    level: 'warn' | 'error',
    message: string,
  ): void {
    const fields = this.rateLimited(windows, key);
    if (!fields || !this.logger) return;
    fields[label] = key;
    const code = errorCode(err);
    if (code) fields.code = code;
    safeLog(this.logger, level, fields, message);
  }

  /** The base fields when `key` may log now (with how many were suppressed since), else undefined. */
  private rateLimited(windows: LogWindows, key: string, amount = 1): Record<string, unknown> | undefined {
    if (!this.logger) return undefined;
    const suppressed = windows.admit(key, amount);
    if (suppressed === undefined) return undefined;
    const fields: Record<string, unknown> = { ...this.fields };
    if (suppressed > 0) fields.suppressed = suppressed;
    return fields;
  }
}
