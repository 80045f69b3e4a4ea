/** The rules file: required alerts, labels and annotations, counter handling, thresholds shared with the dashboard. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { pagingAlerts } from '../src/rules/alerts.js';
import {
  alertRules,
  parsePromQL,
  RULES_FILE,
  RUNBOOK_URL_PREFIX,
  readYaml,
  recordedLevelLabels,
  recordingRules,
} from './helpers.js';

const SEVERITIES = ['critical', 'warning', 'info'];

describe('alert rules', () => {
  it('has the alerts the design asks for', () => {
    expect(alertRules().map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'RedisCircuitBreakerOpen',
        'RedisHighFailureRatio',
        'RedisRetryStorm',
        'RedisFallbackRateHigh',
        'RedisOfflineQueueGrowing',
        'RedisQueueSpoolGrowing',
        'RedisPoolSaturated',
        'RedisLatencyP99High',
        'RedisReconnectFlapping',
        'RedisQueueDeadLetters',
        'RedisOutOfMemory',
        'RedisSessionWriteBackDropped',
        'RedisQueueSpoolQuarantined',
        'RedisQueueReplayFailing',
      ]),
    );
    const names = alertRules().map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(alertRules().map((r) => [r.alert, r] as const))(
    '%s has severity, summary, description, runbook_url',
    (_a, r) => {
      expect(SEVERITIES).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toBeTruthy();
      expect(r.annotations?.description).toBeTruthy();
      expect(r.annotations?.runbook_url).toBe(`${RUNBOOK_URL_PREFIX}docs/runbooks/${r.alert}.md`);
    },
  );

  it('separates recording rules from alerts and keeps the labels each recording rule names', () => {
    const groups = readYaml<{ groups: { name: string; rules: { record?: string; alert?: string }[] }[] }>(
      RULES_FILE,
    ).groups;
    for (const g of groups) {
      const kinds = new Set(g.rules.map((r) => (r.record ? 'record' : 'alert')));
      expect(kinds.size, `group ${g.name} mixes recording and alerting rules`).toBe(1);
    }
    for (const r of recordingRules()) {
      const grouping = new Set(parsePromQL(r.expr).groupingLabels.filter((l) => l !== 'le'));
      if (grouping.size > 0) expect([...grouping].sort(), r.record).toEqual(recordedLevelLabels(r.record).sort());
    }
  });

  it('reads counters through rate() or increase(), never raw', () => {
    for (const r of [...alertRules(), ...recordingRules()]) {
      // A bare `…_total >` compares a counter's lifetime value: it never resolves after the first event.
      expect(r.expr, r.alert ?? r.record).not.toMatch(/_total(\{[^}]*\})?\s*[<>=!]/);
    }
  });

  // The dashboard draws the same thresholds from the same config (rows/*.ts).
  const t = DEFAULT_CONFIG.thresholds;
  const drawn = {
    RedisHighFailureRatio: t.failureRatio,
    RedisLatencyP99High: t.latencyP99Seconds,
    RedisRetryStorm: t.retriesPerCall,
    RedisFallbackRateHigh: t.fallbackRatio,
  };
  it.each(Object.entries(drawn))('%s compares against the threshold the dashboard draws', (alert, value) => {
    const rule = alertRules().find((r) => r.alert === alert);
    expect(rule, alert).toBeDefined();
    expect(rule?.expr).toMatch(new RegExp(`>\\s*${String(value).replace('.', '\\.')}(\\s|$)`));
  });

  it('pages on one alert per service, the failure ratio; every other alert is a ticket', () => {
    expect(pagingAlerts(DEFAULT_CONFIG)).toEqual(['RedisHighFailureRatio']);
    const bySeverity = (severity: string) => alertRules().filter((r) => r.labels?.severity === severity);
    expect(bySeverity(DEFAULT_CONFIG.severities.page).map((r) => r.alert)).toEqual(['RedisHighFailureRatio']);
    expect(bySeverity(DEFAULT_CONFIG.severities.ticket).length).toBe(alertRules().length - 1);
    // Per service: the page aggregates to exactly job and client, so N instances still make one page.
    const page = alertRules().find((r) => r.alert === 'RedisHighFailureRatio')!;
    for (const s of parsePromQL(page.expr).selectors) expect(s.metric).toMatch(/^job_client:/);
  });
});
