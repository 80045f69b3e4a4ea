/**
 * The circuit breaker: the only file that imports opossum.
 *
 * opossum knowledge kept here:
 * - opossum owns the state machine and the rolling window. A `fire()` costs several promises and events, too much
 *   for every Redis command, so while closed a success (or a command error, which proves the server answered) is
 *   written straight into opossum's rolling window (`status.increment`), and only a failure goes through `fire()`,
 *   where opossum decides whether to open.
 * - its `timeout` is disabled: the per-attempt timeout sits below the breaker.
 * - half-open lets exactly one call through; we reserve it for our own PING probe so that recovery does not
 *   wait for user traffic, and reject user calls until the probes pass.
 */
import { createRequire } from 'node:module';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerStateName } from '../telemetry/catalog.js';

const require = createRequire(import.meta.url);

/** The slice of opossum's API this adapter uses; @types/opossum lags behind opossum 10. */
interface OpossumBreaker {
  fire(fn: () => Promise<unknown>): Promise<unknown>;
  readonly status: { increment(property: 'fires' | 'successes', latency?: number): void };
  open(): void;
  shutdown(): void;
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): void;
  readonly opened: boolean;
  readonly halfOpen: boolean;
}
type OpossumCtor = new (action: (fn: () => Promise<unknown>) => Promise<unknown>, options: object) => OpossumBreaker;

const noop = () => {};

let opossum: OpossumCtor | undefined;
const loadOpossum = (): OpossumCtor => {
  opossum ??= require('opossum') as OpossumCtor;
  return opossum;
};

export interface BreakerConfig {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingWindowMs: number;
  resetTimeoutMs: number;
  halfOpenProbes: number;
  enabled: boolean;
}

export interface BreakerTransition {
  node: string;
  from: BreakerStateName;
  to: BreakerStateName;
}

export interface BreakerDeps {
  /** A cheap health probe (PING) run without retries; used while half-open. */
  probe: () => Promise<unknown>;
  /** Whether an error counts against the breaker (command errors do not). */
  isFailure: (err: unknown) => boolean;
  onTransition: (t: BreakerTransition) => void;
  /** Reports a probe failure, for logs. */
  onProbeError?: (err: unknown) => void;
}

export class Breaker {
  private current: BreakerStateName = 'closed';
  private circuit: OpossumBreaker | undefined;
  private closedForGood = false;
  private readonly passValue: <T>(value: T) => T;
  private readonly passError: (err: unknown) => Promise<never>;

  constructor(
    readonly node: string,
    private readonly config: BreakerConfig,
    private readonly deps: BreakerDeps,
  ) {
    this.passValue = (value) => {
      this.recordSuccess();
      return value;
    };
    this.passError = (err) => this.recordFailure(err).then(() => Promise.reject(err));
    if (config.enabled) this.circuit = this.build();
  }

  private build(): OpossumBreaker {
    const Ctor = loadOpossum();
    const circuit = new Ctor((fn) => fn(), {
      timeout: false,
      errorThresholdPercentage: this.config.errorThresholdPercentage,
      volumeThreshold: this.config.volumeThreshold,
      rollingCountTimeout: this.config.rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: this.config.resetTimeoutMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // Only failures reach fire() on the user path; a command error in a probe proves the server answered.
      errorFilter: (err: unknown) => !this.deps.isFailure(err),
    });
    circuit.on('open', () => this.moveTo('open'));
    circuit.on('close', () => {
      this.moveTo('closed');
      // opossum keeps the failures that opened it in its window; a recovered breaker starts afresh
      // (as Hystrix and resilience4j do), or one new failure would re-open it.
      queueMicrotask(() => {
        if (this.closedForGood || this.circuit !== circuit || this.current !== 'closed') return;
        circuit.shutdown();
        this.circuit = this.build();
      });
    });
    circuit.on('halfOpen', () => {
      this.moveTo('half_open');
      void this.probe();
    });
    return circuit;
  }

  get state(): BreakerStateName {
    return this.current;
  }

  /** Run `fn` under the breaker. Rejects with CircuitOpenError, without calling `fn`, unless closed. */
  execute<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const rejection = this.admit(operation);
    if (rejection) return Promise.reject(rejection);
    return this.circuit ? fn().then(this.passValue, this.passError) : fn();
  }

  /**
   * The hot path's split form of `execute`: `admit` before sending (undefined = go ahead, else the rejection),
   * then `recordSuccess` or `recordFailure` with the outcome. It saves a promise per command.
   */
  admit(operation: string): CircuitOpenError | undefined {
    if (!this.circuit || this.current === 'closed') return undefined;
    return new CircuitOpenError(operation, this.current, this.node);
  }

  recordSuccess(): void {
    const status = this.circuit?.status;
    status?.increment('fires');
    status?.increment('successes', 0);
  }

  /** Count a failed attempt; resolves once opossum has counted it (and perhaps opened). Never rejects. */
  recordFailure(err: unknown): Promise<void> {
    const circuit = this.circuit;
    if (!circuit) return Promise.resolve();
    if (!this.deps.isFailure(err)) {
      this.recordSuccess();
      return Promise.resolve();
    }
    // Through fire() so that opossum counts the failure and decides whether to open.
    return circuit.fire(() => Promise.reject(err)).then(noop, noop);
  }

  /** Open now (e.g. when the connection is known to be gone); the reset timer starts. */
  trip(): void {
    if (this.current === 'closed') this.circuit?.open();
  }

  shutdown(): void {
    this.closedForGood = true;
    this.circuit?.shutdown();
  }

  private async probe(): Promise<void> {
    const circuit = this.circuit;
    if (!circuit) return;
    try {
      // All but the last probe run outside opossum: its half-open admits one call, and that one closes it.
      for (let i = 1; i < this.config.halfOpenProbes; i++) await this.deps.probe();
      await circuit.fire(this.deps.probe);
    } catch (err) {
      this.deps.onProbeError?.(err);
      // A failed final probe re-opens inside opossum; a failed early probe must re-open here.
      if (!this.closedForGood && circuit.halfOpen) circuit.open();
    }
  }

  private moveTo(to: BreakerStateName): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.deps.onTransition({ node: this.node, from, to });
  }
}
