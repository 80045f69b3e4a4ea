/** Writes dashboards/redis-resilience.json. Run with `pnpm --filter @redis-resilience/grafana generate`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './dashboard.js';

export const DASHBOARD_PATH = fileURLToPath(new URL('../dashboards/redis-resilience.json', import.meta.url));

/** The exact file content, so the stale check and the generator cannot disagree on formatting. */
export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DASHBOARD_PATH, renderDashboard());
  console.log(`wrote ${DASHBOARD_PATH}`);
}
