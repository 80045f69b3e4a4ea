/** Time source, injectable so that timing logic is tested without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Read once: `performance` is a lazy global getter in Node, measurably slow on a per-command path.
const perf = globalThis.performance;

export const systemClock: Clock = {
  now: () => perf.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
