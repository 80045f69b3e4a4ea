/** Shared by the tests: repository paths, the rules file, and PromQL parsing with @prometheus-io/lezer-promql. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { CATALOG, metricName, seriesNames } from '@redis-resilience/core/catalog';
import { parse as parseYaml } from 'yaml';
import { REDIS_EXPORTER_METRICS } from '../src/redis-exporter.js';

export const GRAFANA_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(GRAFANA_DIR);
export const RULES_FILE = join(GRAFANA_DIR, 'alerts', 'redis-resilience.rules.yml');
export const RULE_TESTS_DIR = join(GRAFANA_DIR, 'alerts', 'tests');
export const RUNBOOKS_DIR = join(REPO_ROOT, 'docs', 'runbooks');
/** runbook_url values are links to the repository on GitHub; this prefix maps them back to the work tree. */
export const RUNBOOK_URL_PREFIX = 'https://github.com/redis-resilience/redis-resilience/blob/main/';

/** promtool unit test files, alerts/tests/*.test.yml. */
export function ruleTestFiles(): string[] {
  return readdirSync(RULE_TESTS_DIR)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => join(RULE_TESTS_DIR, f));
}

export function readYaml<T = unknown>(path: string): T {
  return parseYaml(readFileSync(path, 'utf8')) as T;
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function ruleGroups(): RuleGroup[] {
  return readYaml<{ groups: RuleGroup[] }>(RULES_FILE).groups;
}

export function alertRules(): (Rule & { alert: string })[] {
  return ruleGroups().flatMap((g) => g.rules.filter((r): r is Rule & { alert: string } => Boolean(r.alert)));
}

export function recordingRules(): (Rule & { record: string })[] {
  return ruleGroups().flatMap((g) => g.rules.filter((r): r is Rule & { record: string } => Boolean(r.record)));
}

// ---- PromQL ---------------------------------------------------------------------------------------------------------

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

export interface Selector {
  /** Metric name, from the selector's Identifier or its `__name__` matcher; '' if it has neither. */
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

export interface ParsedExpr {
  /** Text around each error node; empty when the expression parsed cleanly. */
  readonly errors: string[];
  readonly selectors: Selector[];
  /** Label names in by/without/on/ignoring clauses. */
  readonly groupingLabels: string[];
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function unquote(literal: string): string {
  return JSON.parse(literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/"/g, '\\"')}"` : literal) as string;
}

/** Parses an expression (template variables already substituted) and collects what the tests check. */
export function parsePromQL(expr: string): ParsedExpr {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);

  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        errors.push(`at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 20), ref.to + 20)}…`);
        return;
      }
      if (ref.name === 'GroupingLabels') {
        for (const c of children(ref.node)) if (c.name === 'LabelName') groupingLabels.push(text(c));
      }
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      let metric = '';
      const matchers: Matcher[] = [];
      for (const c of children(node)) {
        if (c.name === 'Identifier') metric = text(c);
        if (c.name !== 'LabelMatchers') continue;
        for (const m of children(c)) {
          if (m.name !== 'UnquotedLabelMatcher') continue;
          const parts = children(m);
          const label = parts.find((p) => p.name === 'LabelName');
          const op = parts.find((p) => p.name === 'MatchOp');
          const value = parts.find((p) => p.name === 'StringLiteral');
          if (label && op && value) matchers.push({ label: text(label), op: text(op), value: unquote(text(value)) });
        }
      }
      if (!metric) metric = matchers.find((m) => m.label === '__name__' && m.op === '=')?.value ?? '';
      selectors.push({ metric, matchers });
    },
  });
  return { errors, selectors, groupingLabels };
}

// ---- what may be referenced ------------------------------------------------------------------------------------------

/** Labels Prometheus attaches to every scraped series. */
export const TARGET_LABELS = ['job', 'instance'] as const;

/** Catalog series name -> the labels its samples carry (histogram buckets add `le`). */
export function catalogSeriesLabels(): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const spec of Object.values(CATALOG)) {
    const name = metricName(spec);
    const labels = [...TARGET_LABELS, ...spec.labels];
    if (spec.type === 'histogram') {
      out.set(`${name}_bucket`, [...labels, 'le']);
      out.set(`${name}_sum`, labels);
      out.set(`${name}_count`, labels);
    }
    out.set(name, labels);
  }
  // The map is built from CATALOG; seriesNames() is the catalog's own list. They must agree.
  for (const name of seriesNames()) if (!out.has(name)) throw new Error(`seriesNames() has ${name}, CATALOG does not`);
  return out;
}

/** redis_exporter metrics and their labels (per-command metrics carry `cmd`). */
export function exporterSeriesLabels(): Map<string, readonly string[]> {
  const perCommand = new Set(['redis_commands_total', 'redis_commands_duration_seconds_total']);
  return new Map(
    REDIS_EXPORTER_METRICS.map((m) => [m, perCommand.has(m) ? [...TARGET_LABELS, 'cmd'] : [...TARGET_LABELS]]),
  );
}

/**
 * Recording rules and the labels they keep. By the `level:metric:operations` convention the level names the labels
 * kept (`job_client:` keeps job and client); test/rules.test.ts checks each rule aggregates by exactly those.
 */
export function recordingRuleLabels(): Map<string, readonly string[]> {
  return new Map(recordingRules().map((r) => [r.record, recordedLevelLabels(r.record)]));
}

export function recordedLevelLabels(name: string): string[] {
  return (name.split(':')[0] ?? '').split('_');
}

/** Every series name an expression may use, with its labels. */
export function knownSeries(): Map<string, readonly string[]> {
  return new Map([...catalogSeriesLabels(), ...exporterSeriesLabels(), ...recordingRuleLabels()]);
}
