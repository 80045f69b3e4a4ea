/**
 * Shared panel builders, after grafana-foundation-sdk's examples/typescript/red-method/src/common.ts. Every panel and
 * every query points at the `${datasource}` variable, so the dashboard imports into any Grafana 11/12 with any
 * Prometheus data source; the rows only say what to plot.
 */

import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { MixinConfig } from './config.js';
import { histogramSeries, splitMatchers, vectorSelector } from './metrics.js';
import type { REDIS_EXPORTER_METRICS } from './redis-exporter.js';

export const DATASOURCE_VARIABLE = 'datasource';
/** Panels and queries resolve the data source through the template variable, never through a fixed uid. */
export const DATASOURCE: dashboard.DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

/** Grafana's colours for "good", "watch", "bad". */
export const COLOR = { ok: 'green', warn: 'orange', bad: 'red', info: 'blue', neutral: 'text' } as const;

export interface Target {
  readonly expr: string;
  readonly legend?: string;
  /** Ask Prometheus for exemplars (trace ids) next to the series; only meaningful on histogram queries. */
  readonly exemplar?: boolean;
  /** Evaluate once at the end of the range (stat panels). */
  readonly instant?: boolean;
}

export type Step = readonly [value: number | null, color: string];

export interface PanelOptions {
  readonly title: string;
  /** Shown under the (i) of the panel: what it means and what healthy looks like. */
  readonly description: string;
  readonly targets: readonly Target[];
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
}

function queries(targets: readonly Target[]): DataqueryBuilder[] {
  return targets.map((t, i) => {
    const q = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE)
      .expr(t.expr)
      .legendFormat(t.legend ?? '__auto')
      .editorMode(QueryEditorMode.Code);
    if (t.instant) q.instant();
    else q.range();
    if (t.exemplar) q.exemplar(true);
    return q;
  });
}

function thresholds(steps: readonly Step[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

export interface TimeseriesOptions extends PanelOptions {
  readonly stacking?: common.StackingMode;
  readonly bars?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Draw these as dashed threshold lines (e.g. an alert's threshold). */
  readonly thresholdLines?: readonly Step[];
  /** Legend as a table with mean/max/last, for panels read by their numbers. */
  readonly legendTable?: boolean;
}

export function timeseries(o: TimeseriesOptions): TimeseriesBuilder {
  const legend = new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .placement(common.LegendPlacement.Bottom)
    .displayMode(o.legendTable ? common.LegendDisplayMode.Table : common.LegendDisplayMode.List);
  if (o.legendTable) legend.calcs(['mean', 'max', 'lastNotNull']).sortBy('Max').sortDesc(true);

  const panel = new TimeseriesBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(queries(o.targets))
    .unit(o.unit ?? 'short')
    .span(o.width ?? 8)
    .height(o.height ?? 8)
    .lineWidth(1)
    .fillOpacity(o.stacking ? 40 : 10)
    .showPoints(common.VisibilityMode.Never)
    .drawStyle(o.bars ? common.GraphDrawStyle.Bars : common.GraphDrawStyle.Line)
    .lineInterpolation(common.LineInterpolation.Linear)
    .spanNulls(false)
    .legend(legend)
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    )
    .stacking(new common.StackingConfigBuilder().mode(o.stacking ?? common.StackingMode.None));
  if (o.min !== undefined) panel.min(o.min);
  if (o.max !== undefined) panel.max(o.max);
  if (o.decimals !== undefined) panel.decimals(o.decimals);
  if (o.thresholdLines) {
    panel
      .thresholds(thresholds([[null, 'transparent'], ...o.thresholdLines]))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  return panel;
}

export interface StatOptions extends PanelOptions {
  readonly steps: readonly Step[];
  readonly decimals?: number;
  readonly noValue?: string;
  readonly mappings?: dashboard.ValueMapping[];
  /** Show each value with its legend: for one panel of several numbers (p50, p95, last). */
  readonly named?: boolean;
}

export function stat(o: StatOptions): StatBuilder {
  const panel = new StatBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(queries(o.targets))
    .unit(o.unit ?? 'short')
    .span(o.width ?? 4)
    .height(o.height ?? 4)
    .thresholds(thresholds(o.steps))
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.Area)
    .textMode(o.named ? common.BigValueTextMode.ValueAndName : common.BigValueTextMode.Value)
    .justifyMode(common.BigValueJustifyMode.Center)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (o.decimals !== undefined) panel.decimals(o.decimals);
  if (o.noValue !== undefined) panel.noValue(o.noValue);
  if (o.mappings) panel.mappings(o.mappings);
  return panel;
}

export interface StateTimelineOptions extends PanelOptions {
  readonly mappings: dashboard.ValueMapping[];
}

export function stateTimeline(o: StateTimelineOptions): StateTimelineBuilder {
  return new StateTimelineBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(queries(o.targets))
    .span(o.width ?? 12)
    .height(o.height ?? 8)
    .mappings(o.mappings)
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
    .thresholds(thresholds([[null, COLOR.neutral]]))
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(false)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Single).sort(common.SortOrder.None));
}

/** Value → text/colour mapping for a state timeline or stat. */
export function valueMap(entries: Record<string, { text: string; color: string }>): dashboard.ValueMapping {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  Object.entries(entries).forEach(([value, result], index) => {
    options[value] = { ...result, index };
  });
  return { type: dashboard.MappingType.ValueToText, options };
}

/** A row and the panels under it. Expanded rows own their panels in the grid; collapsed rows carry them inside. */
export interface Row {
  readonly title: string;
  readonly collapsed: boolean;
  readonly panels: readonly cog.Builder<dashboard.Panel>[];
}

// ---- template variables -------------------------------------------------------------------------------------------

/** The metric every instrumented process exposes as soon as it has served one call; used to list jobs and clients. */
const OPERATIONS_COUNT = histogramSeries('operationDuration', 'count');
const REDIS_UP: (typeof REDIS_EXPORTER_METRICS)[number] = 'redis_up';

function multiQueryVariable(name: string, label: string, query: string, description: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(DATASOURCE)
    .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/**
 * The data source, one variable per extra label (each filtered by the ones before it), job, client, and the
 * redis_exporter instance.
 */
export function variables(config: MixinConfig): cog.Builder<dashboard.VariableModel>[] {
  const service = splitMatchers(config.serviceSelector);
  const scoped: string[] = [...service];
  const extra = config.extraLabels.map((label) => {
    const query = `label_values(${vectorSelector(OPERATIONS_COUNT, scoped)}, ${label})`;
    scoped.push(`${label}=~"$${label}"`);
    return multiQueryVariable(label, label, query, `The \`${label}\` label of the instrumented services.`);
  });
  return [
    new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
      .label('Data source')
      .description('Prometheus that scrapes the services and redis_exporter.')
      .type('prometheus'),
    ...extra,
    multiQueryVariable(
      'job',
      'Job',
      `label_values(${vectorSelector(OPERATIONS_COUNT, scoped)}, job)`,
      'Prometheus scrape job of the instrumented services.',
    ),
    multiQueryVariable(
      'client',
      'Client',
      `label_values(${vectorSelector(OPERATIONS_COUNT, [...scoped, 'job=~"$job"'])}, client)`,
      'The `client` label: the serviceName given to init(), or the name of a second client in the same process.',
    ),
    multiQueryVariable(
      'redis_instance',
      'Redis (exporter)',
      `label_values(${vectorSelector(REDIS_UP, splitMatchers(config.exporterSelector))}, instance)`,
      'redis_exporter targets shown in the Redis server row.',
    ),
  ];
}
