/**
 * The circuit breaker: the only file that imports opossum.
 *
 * opossum knowledge kept here: its `errorFilter` counts a filtered error as a *success* (which also closes a
 * half-open circuit: fine, a command error proves the server answered); its `timeout` is disabled because
 * the per-attempt timeout sits below the breaker; half-open lets exactly one call through, which we reserve
 * for our own PING probe so that recovery does not wait for user traffic.
 */
import { createRequire } from 'node:module';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerStateName } from '../telemetry/catalog.js';

const require = createRequire(import.meta.url);

/** The slice of opossum's API this adapter uses; @types/opossum lags behind opossum 10. */
interface OpossumBreaker {
  fire(fn: () => Promise<unknown>): Promise<unknown>;
  open(): void;
  shutdown(): void;
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): void;
  readonly opened: boolean;
  readonly halfOpen: boolean;
}
type OpossumCtor = new (action: (fn: () => Promise<unknown>) => Promise<unknown>, options: object) => OpossumBreaker;

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
  private readonly circuit: OpossumBreaker | undefined;
  private closedForGood = false;

  constructor(
    readonly node: string,
    private readonly config: BreakerConfig,
    private readonly deps: BreakerDeps,
  ) {
    if (!config.enabled) return;
    const Ctor = loadOpossum();
    const circuit = new Ctor((fn) => fn(), {
      timeout: false,
      errorThresholdPercentage: config.errorThresholdPercentage,
      volumeThreshold: config.volumeThreshold,
      rollingCountTimeout: config.rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: config.resetTimeoutMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (err: unknown) => !deps.isFailure(err),
    });
    circuit.on('open', () => this.moveTo('open'));
    circuit.on('close', () => this.moveTo('closed'));
    circuit.on('halfOpen', () => {
      this.moveTo('half_open');
      void this.probe();
    });
    this.circuit = circuit;
  }

  get state(): BreakerStateName {
    return this.current;
  }

  /** Run `fn` under the breaker. Rejects with CircuitOpenError, without calling `fn`, unless closed. */
  execute<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const circuit = this.circuit;
    if (!circuit) return fn();
    if (this.current !== 'closed') return Promise.reject(new CircuitOpenError(operation, this.current, this.node));
    return circuit.fire(fn) as Promise<T>;
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
