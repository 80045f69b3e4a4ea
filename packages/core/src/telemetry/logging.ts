/**
 * Structured logs for the decisions an operator acts on: breaker transitions and connection changes. Fields are
 * bounded and safe: the client name, `address:port`, statuses and error types. Never an error message (a Redis
 * reply can quote a key), a password, a key or a value.
 */
import type { BreakerTransition } from '../breaker/breaker.js';
import type { Endpoint } from '../instrumentation.js';
import { type Logger, safeLog } from '../logger.js';
import type { SessionDropReason } from './catalog.js';

/** At most one error log per error type per window; the rest are counted and reported with the next one. */
export const ERROR_LOG_WINDOW_MS = 10_000;

/** At most one log per key per window; what falls inside a window is added up and reported with the next log. */
class LogWindows {
  private readonly windows = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(private readonly now: () => number) {}

  /** undefined: suppressed (and added up); otherwise log now, reporting this many suppressed since the last log. */
  admit(key: string, amount = 1): number | undefined {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.loggedAt < ERROR_LOG_WINDOW_MS) {
      window.suppressed += amount;
      return undefined;
    }
    this.windows.set(key, { loggedAt: now, suppressed: 0 });
    return window?.suppressed ?? 0;
  }

  drain(): number {
    let total = 0;
    for (const w of this.windows.values()) {
      total += w.suppressed;
      w.suppressed = 0;
    }
    return total;
  }
}

const SESSION_DROP_MESSAGES: Readonly<Record<SessionDropReason, string>> = {
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

export class TelemetryLog {
  private readonly errors: LogWindows;
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
    this.sessionDrops = new LogWindows(now);
  }

  breakerTransition(t: BreakerTransition): void {
    if (!this.logger) return;
    const fields = { ...this.fields, node: t.node, from: t.from, to: t.to };
    if (t.to === 'open') safeLog(this.logger, 'warn', fields, 'redis circuit breaker opened: calls fail fast');
    else if (t.to === 'half_open') safeLog(this.logger, 'info', fields, 'redis circuit breaker half-open: probing');
    else safeLog(this.logger, 'info', fields, 'redis circuit breaker closed');
  }

  /** Sentinel moved the master; both sides are `host:port`, never credentials. */
  failover(from: string, to: string): void {
    if (!this.logger) return;
    safeLog(this.logger, 'warn', { ...this.fields, from, to }, 'redis master changed (failover)');
  }

  /**
   * Info when the connection comes up, when it is lost, and when it ends for good. While it is down, ioredis cycles
   * through reconnecting/connecting/close on every attempt; those go to debug, or an outage would flood the log.
   */
  connectionStatus(status: string): void {
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

  connectionError(type: string, err: unknown): void {
    if (!this.logger) return;
    const suppressed = this.errors.admit(type);
    if (suppressed === undefined) return;
    const fields: Record<string, unknown> = { ...this.fields, error_type: type };
    const code = errorCode(err);
    if (code) fields.code = code;
    if (suppressed > 0) fields.suppressed = suppressed;
    safeLog(this.logger, 'warn', fields, `redis connection error: ${type}`);
  }

  /** Outage session writes lost: a warning, never a session id. Rate-limited, with the losses in between added up. */
  sessionDropped(reason: SessionDropReason, count: number): void {
    if (!this.logger) return;
    const suppressed = this.sessionDrops.admit(reason, count);
    if (suppressed === undefined) return;
    const fields: Record<string, unknown> = { ...this.fields, reason, count };
    if (suppressed > 0) fields.suppressed = suppressed;
    safeLog(this.logger, 'warn', fields, SESSION_DROP_MESSAGES[reason]);
  }
}
