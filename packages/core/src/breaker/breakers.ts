/**
 * One breaker per Redis node. A standalone or Sentinel client has one node (`default`); a Cluster gets one breaker
 * per master, so a failed master opens the circuit only for its own slots. Node names are addresses, bounded by
 * the cluster's size, and are the `node` label on breaker metrics.
 */
import type { BreakerStateName } from '../telemetry/catalog.js';
import { Breaker, type BreakerConfig, type BreakerDeps } from './breaker.js';

export interface NodeBreakerDeps extends Omit<BreakerDeps, 'probe'> {
  /** PING the given node (`default`: any connection). */
  probe: (node: string) => Promise<unknown>;
}

export class BreakerSet {
  private readonly byNode = new Map<string, Breaker>();

  constructor(
    private readonly config: BreakerConfig,
    private readonly deps: NodeBreakerDeps,
  ) {
    this.get('default');
  }

  get(node: string): Breaker {
    let b = this.byNode.get(node);
    if (!b) {
      b = new Breaker(node, this.config, { ...this.deps, probe: () => this.deps.probe(node) });
      this.byNode.set(node, b);
    }
    return b;
  }

  all(): ReadonlyArray<{ node: string; state: BreakerStateName }> {
    return [...this.byNode.values()];
  }

  shutdown(): void {
    for (const b of this.byNode.values()) b.shutdown();
  }
}
