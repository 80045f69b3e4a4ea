/** Prometheus rule-file shapes, plus the comment each generated rule carries above it. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly comment?: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly comment?: string;
}

export interface RuleGroup<R> {
  readonly name: string;
  readonly rules: readonly R[];
}
