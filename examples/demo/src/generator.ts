/**
 * Open-loop load: requests go out at a fixed rate whether or not earlier ones were answered, as real clients
 * do. A closed loop would slow down with a hanging server and hide the pile-up the drill is meant to show.
 */
import type { ArmLoad, Phase } from './arm-load.js';
import { draw, seededRandom } from './workload.js';

const TICK_MS = 10;

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private startedAt = 0;
  private readonly random = seededRandom(7);
  phase: Phase = 'before';

  constructor(
    private readonly arms: readonly ArmLoad[],
    private readonly ratePerSecond: number,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Catches up to the rate, so timer jitter changes when requests go out, not how many. */
  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.ratePerSecond);
    for (; this.sent < due; this.sent++) {
      const d = draw(this.random);
      for (const arm of this.arms) arm.fire(d, this.phase);
    }
  }
}
