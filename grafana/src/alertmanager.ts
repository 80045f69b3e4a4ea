/**
 * Alertmanager routing and inhibition for the generated alerts: one notification per paged service, and while a
 * service is paged its Redis tickets (causes and consequences of the same outage) are muted.
 */
import type { AlertName, MixinConfig } from './config.js';
import { pagingAlerts } from './rules/alerts.js';
import { renderYaml } from './rules/render.js';

/**
 * Tickets an outage raises for the same service (they carry its job and client labels): muted while it is paged.
 * Not muted: the tickets about lost or stuck data, which need someone whatever else happens (RedisQueueDeadLetters,
 * RedisSessionWriteBackDropped, RedisQueueSpoolQuarantined, RedisQueueReplayFailing), and RedisPoolSaturated,
 * RedisServerDown and RedisOutOfMemory (no client label: they are about a pool or about Redis itself, for whoever
 * runs it).
 */
export const MUTED_WHILE_PAGED: readonly AlertName[] = [
  'RedisCircuitBreakerOpen',
  'RedisRetryStorm',
  'RedisFallbackRateHigh',
  'RedisLatencyP99High',
  'RedisOfflineQueueGrowing',
  'RedisQueueSpoolGrowing',
  'RedisReconnectFlapping',
];

const HEADER = `Alertmanager routing and inhibition for the redis-resilience alerts. GENERATED from grafana/src/config.ts by
\`pnpm --filter @redis-resilience/grafana generate\`. A complete config (\`amtool check-config\` accepts it): merge its
route and inhibit_rules into yours and point the two receivers at your pager and your ticket queue.
See docs/grafana.md, "One outage, one page".`;

export function alertmanagerConfig(c: MixinConfig) {
  const { page, ticket } = c.severities;
  const service = [...c.extraLabels, 'job', 'client'];
  const names = (list: readonly string[]) => `alertname=~"${list.join('|')}"`;
  return {
    route: {
      receiver: 'redis-tickets',
      group_by: ['alertname', ...service],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      routes: [
        { matchers: [`severity="${page}"`], receiver: 'redis-pager', group_by: [...service], repeat_interval: '1h' },
      ],
    },
    receivers: [{ name: 'redis-pager' }, { name: 'redis-tickets' }],
    inhibit_rules: [
      {
        source_matchers: [names(pagingAlerts(c)), `severity="${page}"`],
        target_matchers: [names(MUTED_WHILE_PAGED), `severity="${ticket}"`],
        equal: [...service],
      },
    ],
  };
}

export function renderAlertmanagerConfig(c: MixinConfig): string {
  return renderYaml(alertmanagerConfig(c), HEADER, [
    { path: ['route', 'routes', 0], text: 'Pages: one notification per service, whatever else fires for it.' },
    {
      path: ['inhibit_rules', 0],
      text: 'While a service is paged, the tickets the same outage raises for it add nothing: mute them. They\nresolve with it or are sent once the page has resolved.',
    },
  ]);
}
