/**
 * Timing bounds that survive a loaded machine: one GC pause or scheduler hiccup can stretch any single sample,
 * so a bound is put on a percentile of many samples instead of on one sample or the maximum.
 */

/** The `p`th percentile (0 < p <= 100) of `samples` by nearest rank: always a value that was measured. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
}
