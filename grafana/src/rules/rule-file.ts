/** The Prometheus rule file: recording rules, then alerts, each with its comment. */
import type { MixinConfig } from '../config.js';
import { alertingRules } from './alerts.js';
import { recordingRules } from './recording.js';
import { renderYaml } from './render.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './types.js';

const HEADER = `Prometheus rules for @redis-resilience/core. GENERATED from grafana/src (config.ts, rules/*.ts) by
\`pnpm --filter @redis-resilience/grafana generate\`: edit the code or your config, not this file.
Unit tests: grafana/alerts/tests/*.test.yml (promtool test rules). Runbooks: docs/runbooks/<alertname>.md.

prom-client creates a labelled series on its first increment, so counters "start absent": every expression uses
rate()/increase() over counters and says what happens while a series does not exist yet.`;

export function ruleGroups(c: MixinConfig): [RuleGroup<RecordingRule>, RuleGroup<AlertingRule>] {
  return [recordingRules(c), alertingRules(c)];
}

export function renderRuleFile(c: MixinConfig): string {
  const groups = ruleGroups(c);
  const comments = groups.flatMap((g, gi) =>
    g.rules.flatMap((r, ri) => (r.comment ? [{ path: ['groups', gi, 'rules', ri], text: r.comment }] : [])),
  );
  const plain = groups.map((g) => ({ name: g.name, rules: g.rules.map(({ comment: _, ...r }) => r) }));
  return renderYaml({ groups: plain }, HEADER, comments);
}
