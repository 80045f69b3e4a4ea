export { buildDashboard, DASHBOARD_UID } from './dashboard.js';
export { DASHBOARD_PATH, renderDashboard } from './generate.js';
export {
  annotationQueries,
  type PanelQuery,
  panelQueries,
  panelsWithRows,
  SAMPLE_VARIABLES,
  substituteVariables,
  variableQueries,
} from './queries.js';
export { RECORDED } from './recording-rules.js';
export { REDIS_EXPORTER_METRICS } from './redis-exporter.js';
export { ALERT_THRESHOLDS } from './thresholds.js';
