import type { Phase } from './arm-load.js';
import { newAgent } from './http-client.js';
import { scrape, sum } from './scrape.js';
import type { Arm, RunningService } from './services.js';

/**
 * Requests answered by a fallback, from each service's own /metrics: redis-resilience counts every fallback it
 * served; the naive service counts its catch branches.
 */
export class FallbackCounter {
  private readonly snapshots: Array<Record<Arm, number>> = [];
  private readonly agent = newAgent();

  constructor(private readonly services: readonly RunningService[]) {}

  async snapshot(): Promise<void> {
    const counts = {} as Record<Arm, number>;
    for (const s of this.services) {
      const series = await scrape(this.agent, s.baseUrl);
      counts[s.arm] =
        s.arm === 'resilient'
          ? sum(series, 'redis_resilience_fallback_invocations_total', { outcome: 'served' })
          : sum(series, 'example_naive_cache_fallbacks_total');
    }
    this.snapshots.push(counts);
  }

  close(): void {
    this.agent.destroy();
  }

  perPhase(arm: Arm): Record<Phase, number> {
    const at = (i: number) => this.snapshots[i]?.[arm] ?? 0;
    return { before: at(1) - at(0), outage: at(2) - at(1), after: at(3) - at(2) };
  }
}
