/**
 * The session store's write-back series for one `client`: what waits for Redis, what Redis did not acknowledge, and
 * what was given up. Every drop reason exists from the start at 0, so an alert on its increase sees the first one.
 */
import { type EventSink, SESSION_DROP_REASONS, type TelemetryEvents } from '../instrumentation.js';
import { BoundedLabel } from './labels.js';
import type { CatalogWriters } from './writers.js';

type SessionCatalog = Pick<
  CatalogWriters,
  'sessionPendingWriteBacks' | 'sessionWriteBackFailures' | 'sessionWriteBacksDropped'
>;

/** An event sink of its own, beside the instance's MetricsSink. */
export class SessionMetrics implements EventSink {
  private readonly errorTypes = new BoundedLabel(32);

  constructor(
    private readonly all: SessionCatalog,
    private readonly client: string,
  ) {
    all.sessionPendingWriteBacks.set({ client }, 0);
    for (const reason of SESSION_DROP_REASONS) all.sessionWriteBacksDropped.inc({ client, reason }, 0);
  }

  sessionPending({ count }: TelemetryEvents['sessionPending']): void {
    this.all.sessionPendingWriteBacks.set({ client: this.client }, count);
  }

  sessionWriteBackFailed({ errorType, entries }: TelemetryEvents['sessionWriteBackFailed']): void {
    const error_type = this.errorTypes.value(errorType);
    this.all.sessionWriteBackFailures.inc({ client: this.client, error_type }, entries);
  }

  sessionDropped({ reason, count }: TelemetryEvents['sessionDropped']): void {
    this.all.sessionWriteBacksDropped.inc({ client: this.client, reason }, count);
  }
}
