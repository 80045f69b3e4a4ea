/**
 * Writes the mixin's files: the dashboard JSON, the Prometheus rule file and the Alertmanager config.
 *   pnpm --filter @redis-resilience/grafana generate                             # DEFAULT_CONFIG, into grafana/
 *   pnpm --filter @redis-resilience/grafana generate --config my.json --out dir  # your config, into dir
 * `my.json` holds overrides of DEFAULT_CONFIG (see config.ts), e.g. {"extraLabels": ["cluster", "namespace"]}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderAlertmanagerConfig } from './alertmanager.js';
import { type ConfigOverrides, DEFAULT_CONFIG, type MixinConfig, mixinConfig } from './config.js';
import { buildDashboard } from './dashboard.js';
import { renderRuleFile } from './rules/rule-file.js';

export const GRAFANA_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where each generated file goes, relative to the output directory (grafana/ for the committed ones). */
export const GENERATED = {
  dashboard: 'dashboards/redis-resilience.json',
  rules: 'alerts/redis-resilience.rules.yml',
  alertmanager: 'alertmanager/alertmanager.yml',
} as const;

export const DASHBOARD_PATH = path.join(GRAFANA_DIR, GENERATED.dashboard);

/** The exact file content, so the stale check and the generator cannot disagree on formatting. */
export function renderDashboard(config: MixinConfig = DEFAULT_CONFIG): string {
  return `${JSON.stringify(buildDashboard(config), null, 2)}\n`;
}

/** Every generated file's content, by its path relative to the output directory. */
export function renderAll(config: MixinConfig = DEFAULT_CONFIG): Record<string, string> {
  return {
    [GENERATED.dashboard]: renderDashboard(config),
    [GENERATED.rules]: renderRuleFile(config),
    [GENERATED.alertmanager]: renderAlertmanagerConfig(config),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' } } });
  const overrides = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as ConfigOverrides) : {};
  const out = values.out ? path.resolve(values.out) : GRAFANA_DIR;
  for (const [file, content] of Object.entries(renderAll(mixinConfig(overrides)))) {
    mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    writeFileSync(path.join(out, file), content);
    console.log(`wrote ${path.join(out, file)}`);
  }
}
