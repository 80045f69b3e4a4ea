/**
 * The circuit breaker: the only file that imports opossum.
 *
 * opossum owns the rolling window and the decision to open (error rate over `volumeThreshold` calls). This adapter
 * owns what opossum cannot know about Redis:
 * - Only classified outcomes reach it: `success()` for a reply that proves Redis serves, `failure()` for a failure
 *   that counts. A success is counted straight into the current bucket of opossum's window (a `fire()` costs several
 *   promises and events, too much for every command); a failure goes through `fire()`, where opossum decides.
 *   Not `status.increment('successes')`: it also appends the call's latency to the bucket, an array that grows by
 *   one entry per success until the bucket rotates out (150,000 a second at full speed), which made most of this
 *   package's garbage-collection cost. The window's buckets are opossum's internals: opossum is pinned to one exact
 *   version and a contract test pins them.
 * - Recovery is driven by evidence: a probe (our own PING) runs when the connection is ready again, or on a timer
 *   that backs off after failed probes (probe-schedule.ts). opossum's own half-open timer is pushed out of reach, and
 *   a passing probe closes the circuit with `close()`. User calls are rejected while a probe runs.
 * - The window rotates on our clock (`rotateBucketController`), and is emptied when the circuit closes: a recovered
 *   breaker starts afresh (as Hystrix and resilience4j do), or one new failure would re-open it.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Clock } from '../clock.js';
import { CircuitOpenError } from '../errors/errors.js';
import { safeCause } from '../errors/redact.js';
import type { ErrorType } from '../errors/types.js';
import type { CallBreaker } from './group.js';
import { ProbeSchedule } from './probe-schedule.js';
import type { BreakerStateName, BreakerTransition, ProbeResult, ProbeTrigger, TransitionCause } from './state.js';

const require = createRequire(import.meta.url);

/** The slice of opossum's API this adapter uses; @types/opossum lags behind opossum 10. */
export interface OpossumBreaker {
  fire(fn: () => Promise<unknown>): Promise<unknown>;
  /** Internal to opossum (see the file comment); pinned by test/opossum-contract.test.ts. */
  readonly status: { readonly window: readonly WindowBucket[] };
  readonly stats: { fires: number; failures: number; successes: number };
  close(): void;
  shutdown(): void;
  on(event: 'open', listener: () => void): void;
  readonly opened: boolean;
}
/** One bucket of opossum's rolling window: the newest is `window[0]`, replaced at each rotation. */
export interface WindowBucket {
  fires: number;
  successes: number;
  readonly latencyTimes: readonly number[];
}
export type OpossumCtor = new (
  action: (fn: () => Promise<unknown>) => Promise<unknown>,
  options: object,
) => OpossumBreaker;

let opossum: OpossumCtor | undefined;
export const loadOpossum = (): OpossumCtor => {
  opossum ??= require('opossum') as OpossumCtor;
  return opossum;
};

/** Buckets of the rolling window; the window rotates one bucket every `rollingWindowMs / WINDOW_BUCKETS`. */
export const WINDOW_BUCKETS = 10;
/** opossum's own half-open timer is set beyond any outage: our schedule decides when to probe. */
const NEVER_MS = 2 ** 31 - 1;

export interface BreakerConfig {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingWindowMs: number;
  resetTimeoutMs: number;
  maxResetTimeoutMs: number;
  /** Least time between two probes, whatever triggers them. */
  minProbeIntervalMs: number;
  halfOpenProbes: number;
  enabled: boolean;
}

export interface BreakerDeps {
  /** A cheap health check (PING) that fails at once when there is no ready connection. */
  probe: () => Promise<unknown>;
  clock: Clock;
  onTransition: (t: BreakerTransition) => void;
  onProbe?: (r: ProbeResult) => void;
  random?: () => number;
}

const RESOLVED = Promise.resolve();
const noop = () => {};
const rejectWith = (err: unknown) => () => Promise.reject(err);
const COUNTED = new Error('counted failure');

function unref(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

export class Breaker implements CallBreaker {
  private current: BreakerStateName = 'closed';
  private readonly circuit: OpossumBreaker | undefined;
  /** The window's current bucket, where successes are counted; taken again after each rotation. */
  private bucket: WindowBucket | undefined;
  private readonly rotation = new EventEmitter();
  private readonly schedule: ProbeSchedule;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private openedAt = 0;
  private shut = false;
  /** The last failure counted while closed: once open, rejections say why. */
  private lastFailure: { error: unknown; type: ErrorType } | undefined;

  constructor(
    readonly node: string,
    private readonly config: BreakerConfig,
    private readonly deps: BreakerDeps,
  ) {
    this.schedule = new ProbeSchedule({ ...config, minIntervalMs: config.minProbeIntervalMs }, deps.random);
    if (!config.enabled) return;
    const Opossum = loadOpossum();
    this.circuit = new Opossum((fn) => fn(), {
      timeout: false,
      errorThresholdPercentage: config.errorThresholdPercentage,
      volumeThreshold: config.volumeThreshold,
      rollingCountTimeout: config.rollingWindowMs,
      rollingCountBuckets: WINDOW_BUCKETS,
      rotateBucketController: this.rotation,
      resetTimeout: NEVER_MS,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    this.circuit.on('open', () => this.opened());
    this.bucket = this.circuit.status.window[0];
  }

  get state(): BreakerStateName {
    return this.current;
  }

  /**
   * Before sending: undefined to go ahead, else the rejection (open, or a probe is running). It is made without a
   * stack: the executor gives it the caller's (a stack from in here would show the policies, not the app).
   */
  admit(operation: string): CircuitOpenError | undefined {
    if (this.current === 'closed') return undefined;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new CircuitOpenError(operation, this.current, this.node, this.lastFailure);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  /** An attempt got a reply that proves Redis serves (a command error included). */
  success(): void {
    const bucket = this.bucket;
    if (this.current !== 'closed' || !bucket) return;
    bucket.fires++;
    bucket.successes++;
  }

  /**
   * An attempt failed for a reason that counts. Resolves once opossum has counted it and perhaps opened, so that
   * a retry decided afterwards sees the new state. A straggler that fails while the circuit is already open or
   * probing adds nothing.
   */
  failure(failed?: { error: unknown; type: ErrorType }): Promise<void> {
    if (!this.circuit || this.current !== 'closed') return RESOLVED;
    // Made safe once here rather than in each rejection that carries it as its cause.
    this.lastFailure = failed && { error: safeCause(failed.error), type: failed.type };
    return this.circuit.fire(rejectWith(COUNTED)).then(noop, noop);
  }

  /** The connection to this node is ready again: evidence that a probe may pass now. */
  reconnected(): void {
    if (this.current !== 'open') return;
    const delay = this.schedule.reconnectDelay(this.deps.clock.now());
    if (delay === 0) void this.probe('reconnect');
    else this.arm(delay, 'reconnect');
  }

  /** Advance the rolling window by one bucket; called by the node set's rotation timer. */
  rotateWindow(): void {
    this.rotation.emit('rotate');
    this.bucket = this.circuit?.status.window[0];
  }

  shutdown(): void {
    this.shut = true;
    this.disarm();
    this.circuit?.shutdown();
  }

  private opened(): void {
    this.openedAt = this.deps.clock.now();
    this.moveTo('open', 'failures');
    this.arm(this.schedule.timerDelay(), 'timer');
  }

  private arm(delayMs: number, trigger: ProbeTrigger): void {
    const at = this.deps.clock.now() + delayMs;
    if (at >= this.timerAt) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.probe(trigger);
    }, delayMs);
    unref(this.timer);
  }

  private disarm(): void {
    this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private async probe(trigger: ProbeTrigger): Promise<void> {
    if (this.shut || this.current !== 'open') return;
    this.disarm();
    this.schedule.probeStarted(this.deps.clock.now());
    this.moveTo('half_open', trigger);
    let ok = true;
    try {
      for (let i = 0; i < this.config.halfOpenProbes; i++) await this.deps.probe();
    } catch {
      ok = false;
    }
    if (this.shut) return;
    this.schedule.probeEnded(ok);
    this.deps.onProbe?.({ node: this.node, trigger, ok });
    if (!ok) {
      this.moveTo('open', 'probe_failed');
      this.arm(this.schedule.timerDelay(), 'timer');
      return;
    }
    this.circuit?.close();
    this.lastFailure = undefined;
    for (let i = 0; i < WINDOW_BUCKETS; i++) this.rotateWindow();
    this.moveTo('closed', 'probe_passed', this.deps.clock.now() - this.openedAt);
  }

  private moveTo(to: BreakerStateName, cause: TransitionCause, openMs?: number): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.deps.onTransition({ node: this.node, from, to, cause, ...(openMs !== undefined && { openMs }) });
  }
}
