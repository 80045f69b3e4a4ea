/** Histogram buckets, in seconds. */

/** Seconds. Redis answers in well under a millisecond, so the low end is fine-grained; the top covers timeouts. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * Seconds: the OpenTelemetry semconv advice for the `db.client.*` duration histograms, so that their buckets can be
 * summed with those of every other database client (and with the OTel path's, which gives the same advice).
 */
export const DB_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** How long a breaker stayed open: seconds to minutes. */
export const OPEN_DURATION_BUCKETS: readonly number[] = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
