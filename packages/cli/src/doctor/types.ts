/** The doctor's report: the shape `--json` prints (schema version 1, documented in README.md). */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type DataValue = number | string | boolean | null | DataValue[] | { [key: string]: DataValue };

export interface CheckResult {
  /** Stable identifier, e.g. `tcp`, `ping`, `info.memory`; the README lists them all. */
  id: string;
  status: CheckStatus;
  /** The measured value, human-readable (`p50 0.08 ms, p99 0.21 ms`). */
  value?: string;
  /** What was found, in one line. */
  detail?: string;
  /** One line that says what to do; present on `fail` and `warn`. */
  fix?: string;
  /** Classifier type of the error behind a failure (`refused`, `timeout`, `dns`, `auth` …). */
  errorType?: string;
  /** Raw measurements for machines (milliseconds, counts, bytes). */
  data?: { [key: string]: DataValue };
}

export interface Target {
  host: string;
  port: number;
  tls: boolean;
  db: number;
}

export interface Report {
  version: 1;
  target: Target;
  checks: CheckResult[];
  summary: Record<CheckStatus, number>;
}

export const STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail', 'skip'];

export function summarize(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.status]++;
  return summary;
}
