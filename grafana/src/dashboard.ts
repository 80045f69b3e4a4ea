import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { COLOR, DATASOURCE, type Row, variables } from './common.js';
import { DEFAULT_CONFIG, type MixinConfig } from './config.js';
import { type DashboardPromql, dashboardPromql } from './dashboard-promql.js';
import { redisSelector } from './redis-exporter.js';
import { circuitBreakerRow } from './rows/circuit-breaker.js';
import { connectionPoolRow } from './rows/connection-pool.js';
import { durabilityRow } from './rows/durability.js';
import { fallbacksRow } from './rows/fallbacks.js';
import { overviewRow } from './rows/overview.js';
import { redisServerRow } from './rows/redis-server.js';
import { retriesRow } from './rows/retries.js';

export const DASHBOARD_UID = 'redis-resilience';

/** The rows in display order. */
export function rows(q: DashboardPromql): Row[] {
  return [
    overviewRow(q),
    circuitBreakerRow(q),
    retriesRow(q),
    fallbacksRow(q),
    durabilityRow(q),
    connectionPoolRow(q),
    redisServerRow(q),
  ];
}

/** Grafana's own annotations (alerts, manual notes), which Grafana would otherwise add on load. */
function builtInAnnotation(): cog.Builder<dashboard.AnnotationQuery> {
  return new dashboard.AnnotationQueryBuilder()
    .name('Annotations & Alerts')
    .builtIn(1)
    .datasource({ type: 'grafana', uid: '-- Grafana --' })
    .enable(true)
    .hide(true)
    .iconColor('rgba(0, 211, 255, 1)')
    .type('dashboard');
}

/** A Prometheus annotation: a region wherever the expression returns a series. */
function promAnnotation(name: string, expr: string, titleFormat: string, iconColor: string) {
  const base = new dashboard.AnnotationQueryBuilder()
    .name(name)
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor(iconColor)
    .expr(expr);
  // titleFormat and step are Prometheus annotation fields the generic AnnotationQuery type does not model.
  return { build: (): dashboard.AnnotationQuery => Object.assign(base.build(), { step: '30s', titleFormat }) };
}

export function annotations({ selector, config }: DashboardPromql): cog.Builder<dashboard.AnnotationQuery>[] {
  return [
    builtInAnnotation(),
    promAnnotation(
      'Circuit breaker open',
      `max without (state) (${selector('breakerState', { match: ['state="open"'] })}) == 1`,
      'Breaker open: {{client}} · {{node}} · {{instance}}',
      COLOR.bad,
    ),
    promAnnotation('Redis down', `${redisSelector(config, 'redis_up')} == 0`, 'Redis down: {{instance}}', 'dark-red'),
  ];
}

/** Grafana needs panel ids unique within a dashboard; give them in grid order so the JSON diff stays stable. */
function assignIds(d: dashboard.Dashboard): void {
  let id = 1;
  for (const panel of d.panels ?? []) {
    panel.id = id++;
    if (panel.type === 'row') for (const nested of (panel as dashboard.RowPanel).panels) nested.id = id++;
  }
}

/** The runbooks' folder, from the config's runbook base (`…/blob/main/docs/runbooks/` → `…/tree/main/docs/runbooks`). */
export function runbooksUrl(config: MixinConfig): string {
  return config.runbookBaseUrl.replace('/blob/', '/tree/').replace(/\/$/, '');
}

export function buildDashboard(config: MixinConfig = DEFAULT_CONFIG): dashboard.Dashboard {
  const q = dashboardPromql(config);
  const builder = new dashboard.DashboardBuilder('Redis resilience')
    .uid(DASHBOARD_UID)
    .description(
      'Client-side view of Redis through @redis-resilience/core: calls, circuit breaker, retries, fallbacks, ' +
        'refused writes and their write-back, connections and pool, with redis_exporter for the server. Generated from grafana/src; do not edit by hand.',
    )
    .tags(['redis', 'redis-resilience', 'resilience'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .variables(variables(config))
    .annotations(annotations(q))
    .link(
      new dashboard.DashboardLinkBuilder('Runbooks')
        .type(dashboard.DashboardLinkType.Link)
        .url(runbooksUrl(config))
        .icon('doc')
        .tooltip('One runbook per alert')
        .targetBlank(true),
    );

  for (const row of rows(q)) {
    const rowBuilder = new dashboard.RowBuilder(row.title);
    if (row.collapsed) {
      for (const panel of row.panels) rowBuilder.withPanel(panel);
      builder.withRow(rowBuilder);
    } else {
      builder.withRow(rowBuilder);
      for (const panel of row.panels) builder.withPanel(panel);
    }
  }

  const built = builder.build();
  assignIds(built);
  return built;
}
