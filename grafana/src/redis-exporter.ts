/**
 * redis_exporter (oliver006/redis_exporter) metrics the Redis server row reads. These are the exporter's documented
 * names under its default `redis` namespace; they are not ours, so they are listed rather than taken from the catalog.
 */
import type { MixinConfig } from './config.js';
import { splitMatchers, vectorSelector } from './metrics.js';

export const REDIS_EXPORTER_METRICS = [
  'redis_up',
  'redis_uptime_in_seconds',
  'redis_connected_clients',
  'redis_blocked_clients',
  'redis_config_maxclients',
  'redis_rejected_connections_total',
  'redis_memory_used_bytes',
  'redis_memory_max_bytes',
  'redis_mem_fragmentation_ratio',
  'redis_evicted_keys_total',
  'redis_expired_keys_total',
  'redis_keyspace_hits_total',
  'redis_keyspace_misses_total',
  'redis_commands_processed_total',
  'redis_commands_total',
  'redis_commands_duration_seconds_total',
  'redis_slowlog_length',
  'redis_connected_slaves',
] as const;

export type RedisExporterMetric = (typeof REDIS_EXPORTER_METRICS)[number];

/**
 * A dashboard selector for an exporter metric: the config's exporter selector, then the Redis instances picked in the
 * `redis_instance` variable.
 */
export function redisSelector(config: MixinConfig, name: RedisExporterMetric, match: readonly string[] = []): string {
  return vectorSelector(name, [...splitMatchers(config.exporterSelector), 'instance=~"$redis_instance"', ...match]);
}
