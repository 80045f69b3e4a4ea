export { alertmanagerConfig, MUTED_WHILE_PAGED, renderAlertmanagerConfig } from './alertmanager.js';
export {
  type AlertConfig,
  type AlertName,
  type ConfigOverrides,
  DEFAULT_CONFIG,
  type MixinConfig,
  mixinConfig,
  serviceLabels,
  type Urgency,
} from './config.js';
export { buildDashboard, DASHBOARD_UID } from './dashboard.js';
export { DASHBOARD_PATH, GENERATED, GRAFANA_DIR, renderAll, renderDashboard } from './generate.js';
export {
  annotationQueries,
  type PanelQuery,
  panelQueries,
  panelsWithRows,
  SAMPLE_VARIABLES,
  substituteVariables,
  variableQueries,
} from './queries.js';
export { REDIS_EXPORTER_METRICS } from './redis-exporter.js';
export { alertingRules, pagingAlerts } from './rules/alerts.js';
export { type RecordedKey, recordedName, recordedNames, recordingRules } from './rules/recording.js';
export { renderRuleFile, ruleGroups } from './rules/rule-file.js';
