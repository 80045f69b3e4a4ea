/**
 * The dashboard drill (drill.ts) on the OpenTelemetry path (issue #12): the service has its own MeterProvider,
 * exported by @opentelemetry/exporter-prometheus and scraped by the real Prometheus, and the package records its
 * catalog through it. Every client panel query must return data and the alerts must fire, as on the prom-client path.
 */
import { dashboardDrill } from './drill.js';

dashboardDrill('otel');
