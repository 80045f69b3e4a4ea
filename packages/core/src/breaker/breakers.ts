/**
 * One breaker per Redis node. A standalone or Sentinel client has one node (`default`); a Cluster gets one breaker
 * per master, so a failed master opens the circuit only for its own slots. Node names are addresses, bounded by
 * the cluster's size, and are the `node` label on breaker metrics. One timer rotates every breaker's window.
 */
import { Breaker, type BreakerConfig, type BreakerDeps, WINDOW_BUCKETS } from './breaker.js';
import type { BreakerStateName } from './state.js';

export interface NodeBreakerDeps extends Omit<BreakerDeps, 'probe'> {
  /** PING the given node (`default`: any connection); fails at once when it has no ready connection. */
  probe: (node: string) => Promise<unknown>;
}

export class BreakerSet {
  private readonly byNode = new Map<string, Breaker>();
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly config: BreakerConfig,
    private readonly deps: NodeBreakerDeps,
  ) {
    this.get('default');
    if (config.enabled) this.scheduleRotation();
  }

  get(node: string): Breaker {
    let b = this.byNode.get(node);
    if (!b) {
      b = new Breaker(node, this.config, { ...this.deps, probe: () => this.deps.probe(node) });
      this.byNode.set(node, b);
    }
    return b;
  }

  /** The connection to `node` (or, for `default`, any connection) is ready again. */
  reconnected(node: string): void {
    this.byNode.get(node)?.reconnected();
  }

  all(): ReadonlyArray<{ node: string; state: BreakerStateName }> {
    return [...this.byNode.values()];
  }

  shutdown(): void {
    this.closed = true;
    this.deps.clock.clearTimeout(this.timer);
    for (const b of this.byNode.values()) b.shutdown();
  }

  private scheduleRotation(): void {
    if (this.closed) return;
    this.timer = this.deps.clock.setTimeout(() => {
      for (const b of this.byNode.values()) b.rotateWindow();
      this.scheduleRotation();
    }, this.config.rollingWindowMs / WINDOW_BUCKETS);
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }
}
