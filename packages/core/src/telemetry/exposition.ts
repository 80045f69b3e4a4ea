/**
 * Both exposition formats from one registry. prom-client writes exemplars only when the registry's content type is
 * OpenMetrics, and its OpenMetrics rendering renames every counter object in place (it strips `_total` from
 * `metric.name` and never restores it), so flipping `setContentType` per request would corrupt later Prometheus
 * scrapes and race with concurrent ones. Instead the other format is rendered through a throwaway view registry
 * whose counters are prototype wrappers: the rename lands on the wrapper, the values are the live ones.
 */
import { Registry, type RegistryContentType } from 'prom-client';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

type AnyMetric = Parameters<Registry['registerMetric']>[0];

/** Default labels are not readable through prom-client's API; the view must carry them to render the same series. */
function defaultLabelsOf(registry: Registry<RegistryContentType>): Record<string, string> {
  const labels = (registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels;
  return labels && typeof labels === 'object' ? labels : {};
}

export async function renderMetrics(
  registry: Registry<RegistryContentType>,
  format: ExpositionFormat,
): Promise<string> {
  const contentType = CONTENT_TYPES[format] as RegistryContentType;
  if (registry.contentType === contentType) return registry.metrics();
  const view = new Registry<RegistryContentType>();
  view.setContentType(contentType);
  view.setDefaultLabels(defaultLabelsOf(registry));
  for (const metric of registry.getMetricsAsArray()) {
    const m = metric as unknown as { type?: string };
    view.registerMetric((m.type === 'counter' ? Object.create(metric) : metric) as AnyMetric);
  }
  return view.metrics();
}

/**
 * OpenMetrics when the Accept header lists `application/openmetrics-text` with a non-zero q (what Prometheus sends
 * when exemplar storage is on), else Prometheus text 0.0.4.
 */
export function negotiateFormat(accept: string | readonly string[] | undefined): ExpositionFormat {
  const header: string = typeof accept === 'string' ? accept : (accept?.join(',') ?? '');
  if (!header.includes('application/openmetrics-text')) return 'prometheus';
  for (const part of header.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return 'openmetrics';
  }
  return 'prometheus';
}
