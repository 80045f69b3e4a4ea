/**
 * The queue's series for one `client`: spool depth per stream, replayed and dead-lettered messages, damaged spools
 * moved aside and failed replay passes. An event sink of its own, beside the instance's MetricsSink.
 */
import {
  type EventSink,
  REPLAY_FAILURE_REASONS,
  SPOOL_DAMAGE_REASONS,
  type TelemetryEvents,
} from '../instrumentation.js';
import { BoundedLabel, STREAM_PATTERN } from './labels.js';
import type { CatalogWriters } from './writers.js';

type QueueCatalog = Pick<
  CatalogWriters,
  'queueSpooled' | 'queueReplayed' | 'queueDeadLettered' | 'queueSpoolQuarantined' | 'queueReplayFailures'
>;

export class QueueMetrics implements EventSink {
  private readonly streams = new BoundedLabel(64, [], STREAM_PATTERN);
  private readonly primedStreams = new Set<string>();

  constructor(
    private readonly all: QueueCatalog,
    private readonly client: string,
  ) {
    // At 0 from the start: the first damaged spool must be an increase() an alert can see.
    for (const reason of SPOOL_DAMAGE_REASONS) all.queueSpoolQuarantined.inc({ client, reason }, 0);
    for (const reason of REPLAY_FAILURE_REASONS) all.queueReplayFailures.inc({ client, reason }, 0);
  }

  queueSpooled({ stream, depth }: TelemetryEvents['queueSpooled']): void {
    const label = this.streams.value(stream);
    if (!this.primedStreams.has(label)) {
      // Spooled, replayed and dead-lettered exist from a stream's first publish, at 0.
      this.primedStreams.add(label);
      this.all.queueReplayed.inc({ client: this.client, stream: label }, 0);
      this.all.queueDeadLettered.inc({ client: this.client, stream: label }, 0);
    }
    this.all.queueSpooled.set({ client: this.client, stream: label }, depth);
  }

  queueReplayed({ stream, count }: TelemetryEvents['queueReplayed']): void {
    this.all.queueReplayed.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  queueDeadLettered({ stream, count }: TelemetryEvents['queueDeadLettered']): void {
    this.all.queueDeadLettered.inc({ client: this.client, stream: this.streams.value(stream) }, count);
  }

  queueSpoolQuarantined({ reason }: TelemetryEvents['queueSpoolQuarantined']): void {
    this.all.queueSpoolQuarantined.inc({ client: this.client, reason });
  }

  queueReplayFailed({ reason }: TelemetryEvents['queueReplayFailed']): void {
    this.all.queueReplayFailures.inc({ client: this.client, reason });
  }
}
