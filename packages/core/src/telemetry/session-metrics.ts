/**
 * The session store's write-back series for one `client`: what waits for Redis, what Redis did not acknowledge, and
 * what was given up. Every drop reason exists from the start at 0, so an alert on its increase sees the first one.
 */
import { SESSION_DROP_REASONS, type SessionDropReason } from './catalog.js';
import type { CatalogMetrics } from './catalog-metrics.js';
import { BoundedLabel } from './labels.js';

type SessionCatalog = Pick<
  CatalogMetrics,
  'sessionPendingWriteBacks' | 'sessionWriteBackFailures' | 'sessionWriteBacksDropped'
>;

export class SessionMetrics {
  private readonly errorTypes = new BoundedLabel(32);

  constructor(
    private readonly all: SessionCatalog,
    private readonly client: string,
  ) {
    all.sessionPendingWriteBacks.set({ client }, 0);
    for (const reason of SESSION_DROP_REASONS) all.sessionWriteBacksDropped.inc({ client, reason }, 0);
  }

  pending(count: number): void {
    this.all.sessionPendingWriteBacks.set({ client: this.client }, count);
  }

  writeBackFailed(errorType: string, entries: number): void {
    const error_type = this.errorTypes.value(errorType);
    this.all.sessionWriteBackFailures.inc({ client: this.client, error_type }, entries);
  }

  dropped(reason: SessionDropReason, count: number): void {
    this.all.sessionWriteBacksDropped.inc({ client: this.client, reason }, count);
  }
}
