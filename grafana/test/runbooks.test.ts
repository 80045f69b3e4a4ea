/** (e) every alert has a runbook its runbook_url resolves to, and a firing and a quiet promtool case. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { panelsWithRows } from '../src/queries.js';
import {
  alertRules,
  REPO_ROOT,
  RULE_TESTS_DIR,
  RULES_FILE,
  RUNBOOK_URL_PREFIX,
  RUNBOOKS_DIR,
  readYaml,
  ruleTestFiles,
} from './helpers.js';

describe('alert coverage', () => {
  interface RuleTestFile {
    rule_files: string[];
    tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] | null }[] }[];
  }

  const coverage = () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of ruleTestFiles()) {
      const doc = readYaml<RuleTestFile>(file);
      for (const rf of doc.rule_files) expect(resolve(RULE_TESTS_DIR, rf), file).toBe(RULES_FILE);
      for (const t of doc.tests) {
        for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? firing : quiet).add(a.alertname);
      }
    }
    return { firing, quiet };
  };

  it.each(alertRules().map((r) => [r.alert] as const))('%s has a firing and a non-firing promtool case', (alert) => {
    const { firing, quiet } = coverage();
    expect(firing.has(alert), `no promtool case where ${alert} fires`).toBe(true);
    expect(quiet.has(alert), `no promtool case where ${alert} stays quiet`).toBe(true);
  });

  it('tests no alert that does not exist', () => {
    const { firing, quiet } = coverage();
    const alerts = new Set(alertRules().map((r) => r.alert));
    for (const a of [...firing, ...quiet]) expect(alerts, `tests name unknown alert ${a}`).toContain(a);
  });
});

describe('runbooks', () => {
  const REQUIRED_SECTIONS = ['## Meaning', '## Impact', '## Confirm', '## Likely causes', '## What to do'];
  const panels = new Set(panelsWithRows().map(({ row, panel }) => `${row} › ${panel.title}`));

  it.each(alertRules().map((r) => [r.alert, r] as const))('%s: runbook_url resolves to a runbook', (alert, r) => {
    const url = r.annotations?.runbook_url ?? '';
    expect(url.startsWith(RUNBOOK_URL_PREFIX), url).toBe(true);
    const file = join(REPO_ROOT, url.slice(RUNBOOK_URL_PREFIX.length));
    expect(existsSync(file), `${file} is missing`).toBe(true);
    expect(file).toBe(join(RUNBOOKS_DIR, `${alert}.md`));

    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(`# ${alert}\n`), `${file} should start with "# ${alert}"`).toBe(true);
    for (const s of REQUIRED_SECTIONS) expect(text, `${file} lacks "${s}"`).toContain(`\n${s}\n`);
    // Panels are referenced as **Row › Panel**; each must exist in the generated dashboard.
    const refs = [...text.matchAll(/\*\*([^*\n]+ › [^*\n]+)\*\*/g)].map((m) => m[1] ?? '');
    expect(refs.length, `${file} names no dashboard panel`).toBeGreaterThan(0);
    for (const ref of refs) expect(panels, `${file} names a panel the dashboard lacks`).toContain(ref);
  });

  it('docs/runbooks/README.md lists every alert once, with its severity, and no other', () => {
    const text = readFileSync(join(RUNBOOKS_DIR, 'README.md'), 'utf8');
    const rows = [...text.matchAll(/^\| \[(\w+)\]\((\w+)\.md\) *\| (\w+) *\|/gm)].map((m) => ({
      alert: m[1] ?? '',
      file: m[2] ?? '',
      severity: m[3] ?? '',
    }));
    expect(rows.map((r) => r.alert)).toEqual([...new Set(rows.map((r) => r.alert))]);
    expect(rows.map((r) => r.alert).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    for (const { alert, file, severity } of rows) {
      expect(file, alert).toBe(alert);
      expect(severity, alert).toBe(alertRules().find((r) => r.alert === alert)?.labels?.severity);
    }
  });

  it('has no runbook for an alert that does not exist', () => {
    const alerts = new Set(alertRules().map((r) => `${r.alert}.md`));
    for (const f of readdirSync(RUNBOOKS_DIR)) {
      if (f === 'README.md') continue;
      expect(alerts, `docs/runbooks/${f} has no alert`).toContain(f);
    }
  });
});
