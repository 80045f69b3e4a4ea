/** The series one operation label records on every call, bound once so that a call does no label lookup. */
import type { Outcome } from '../instrumentation.js';
import { OUTCOMES, type RetryCallKind } from './catalog.js';
import type { BoundedLabel } from './labels.js';
import type { CounterChild, HistogramChild } from './writers.js';

/** Exemplar labels of one observation: the trace it belongs to. */
export type ExemplarLabels = { readonly trace_id: string; readonly span_id: string };

/** What the series need from the instance's metrics. */
export interface SeriesSource {
  readonly errorTypes: BoundedLabel;
  readonly retryCalls: Record<RetryCallKind, CounterChild>;
  dbOperation(dbOperationName: string, errorType: string): HistogramChild;
  retry(operation: string, errorType: string): void;
}

const OUTCOME_INDEX = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<Outcome, number>;

/** Pre-bound series of one operation label, for the tracker: what a call records without any lookup. */
export class OperationSeries {
  private readonly attempts = new Map<string, HistogramChild>();

  constructor(
    private readonly owner: SeriesSource,
    readonly label: string,
    private readonly dbOperationName: string,
    private readonly duration: readonly HistogramChild[],
  ) {}

  /** One logical call ended. */
  call(outcome: Outcome, seconds: number, exemplar?: ExemplarLabels): void {
    this.duration[OUTCOME_INDEX[outcome] ?? OUTCOME_INDEX.failure]!.observe(seconds, exemplar);
  }

  /** One physical attempt ended (semconv `db_client_operation_duration_seconds`); `errorType` undefined on success. */
  attempt(errorType: string | undefined, seconds: number): void {
    const type = errorType === undefined ? '' : this.owner.errorTypes.value(errorType);
    let child = this.attempts.get(type);
    if (!child) {
      child = this.owner.dbOperation(this.dbOperationName, type);
      this.attempts.set(type, child);
    }
    child.observe(seconds);
  }

  retry(errorType: string): void {
    this.owner.retry(this.label, errorType);
  }

  retryCall(kind: RetryCallKind): void {
    this.owner.retryCalls[kind].inc();
  }
}
