/**
 * Every PromQL expression in the dashboard, with where it lives. Tests parse and check them; an end-to-end test can
 * run each against a live Prometheus after `substituteVariables()`.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard.js';

export interface PanelQuery {
  /** Title of the row the panel sits under. */
  readonly row: string;
  readonly panel: string;
  readonly panelId: number;
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  /** Grafana runs it as an instant query (stat panels) rather than a range query. */
  readonly instant: boolean;
  readonly exemplar: boolean;
}

interface PromTarget {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
  exemplar?: boolean;
}

/** Panels in grid order, each with the title of its row (expanded rows own the panels that follow them). */
export function panelsWithRows(d: dashboard.Dashboard = buildDashboard()): { row: string; panel: dashboard.Panel }[] {
  const out: { row: string; panel: dashboard.Panel }[] = [];
  let row = '';
  for (const p of d.panels ?? []) {
    if (p.type === 'row') {
      const rp = p as dashboard.RowPanel;
      row = rp.title ?? '';
      for (const nested of rp.panels) out.push({ row, panel: nested });
    } else {
      out.push({ row, panel: p as dashboard.Panel });
    }
  }
  return out;
}

/** Every panel query of the dashboard, in grid order. */
export function panelQueries(d: dashboard.Dashboard = buildDashboard()): PanelQuery[] {
  return panelsWithRows(d).flatMap(({ row, panel }) =>
    ((panel.targets ?? []) as PromTarget[]).map((t) => ({
      row,
      panel: panel.title ?? '',
      panelId: panel.id ?? 0,
      refId: t.refId ?? '',
      expr: t.expr ?? '',
      ...(t.legendFormat !== undefined && { legendFormat: t.legendFormat }),
      instant: t.instant === true,
      exemplar: t.exemplar === true,
    })),
  );
}

/** Expressions of the Prometheus annotations (regions drawn on every time series). */
export function annotationQueries(d: dashboard.Dashboard = buildDashboard()): { name: string; expr: string }[] {
  return (d.annotations.list ?? []).filter((a) => a.expr).map((a) => ({ name: a.name, expr: a.expr ?? '' }));
}

/** `label_values(<selector>, <label>)` queries of the template variables, split into their parts. */
export function variableQueries(
  d: dashboard.Dashboard = buildDashboard(),
): { name: string; query: string; selector: string; label: string }[] {
  const out: { name: string; query: string; selector: string; label: string }[] = [];
  for (const v of d.templating.list ?? []) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : String((v.query as { query?: unknown })?.query ?? '');
    const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query);
    if (!m) throw new Error(`variable ${v.name}: expected label_values(selector, label), got ${query}`);
    out.push({ name: v.name, query, selector: m[1] ?? '', label: m[2] ?? '' });
  }
  return out;
}

/** Plausible values for the dashboard's template variables and Grafana's built-in interval variables. */
export const SAMPLE_VARIABLES: Readonly<Record<string, string>> = {
  datasource: 'prometheus',
  job: 'example-service',
  client: 'example-service',
  redis_instance: 'redis-exporter:9121',
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/**
 * Replaces `$name` and `${name}` the way Grafana interpolates before sending a query. Longest names first, so
 * `$__rate_interval` is not read as `$__rate` followed by text. Throws on a variable it has no value for.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>> = SAMPLE_VARIABLES): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for template variable ${whole} in: ${expr}`);
    return value;
  });
}
