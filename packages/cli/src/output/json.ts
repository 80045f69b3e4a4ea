/** `--json`: the report as documented in README.md (schema version 1), keys in a fixed order. */
import type { CheckResult, Report } from '../doctor/types.js';

const CHECK_KEYS: ReadonlyArray<keyof CheckResult> = ['id', 'status', 'value', 'detail', 'fix', 'errorType', 'data'];

export function renderJson(report: Report): string {
  const checks = report.checks.map((c) => {
    const out: Record<string, unknown> = {};
    for (const key of CHECK_KEYS) if (c[key] !== undefined) out[key] = c[key];
    return out;
  });
  const ordered = {
    version: report.version,
    target: { host: report.target.host, port: report.target.port, tls: report.target.tls, db: report.target.db },
    checks,
    summary: report.summary,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
