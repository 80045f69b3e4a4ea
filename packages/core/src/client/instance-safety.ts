/**
 * A user-supplied ioredis instance is put under the same settings as the clients init builds, so that ioredis's
 * own retries and queue never multiply ours and a command that may have run is never silently re-sent. ioredis reads
 * these options each time it needs them, so changing them on a live instance takes effect at once. What changed is
 * reported once, as a notice (values only: never a host, password or key).
 */
import type { Cluster, Redis } from 'ioredis';
import { type Logger, safeLog } from '../logger.js';
import { type ConnectionConfig, ioredisDefaults } from './connection-settings.js';
import { isClusterInstance, isRedisInstance } from './detect.js';

/** One setting init changed: its name and how the old and new values read. */
export interface ChangedSetting {
  name: string;
  from: string;
  to: string;
}

/** The settings that decide whether ioredis queues, retries or re-sends a command, and how it reconnects. */
const REDIS_KEYS = [
  'maxRetriesPerRequest',
  'enableOfflineQueue',
  'autoResendUnfulfilledCommands',
  'retryStrategy',
  'reconnectOnError',
  'connectTimeout',
] as const;

/** A Cluster's node connections: no per-request reconnect retries and no resend (what init's own Cluster gets). */
const CLUSTER_NODE_KEYS = ['maxRetriesPerRequest', 'autoResendUnfulfilledCommands'] as const;

function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (v === undefined || v === null) return 'unset';
  return String(v);
}

function apply(
  target: Record<string, unknown>,
  wanted: Record<string, unknown>,
  keys: readonly string[],
  changed: ChangedSetting[],
  describe: (name: string) => string,
): void {
  for (const name of keys) {
    const now = target[name];
    const want = wanted[name];
    // The user's own reconnectOnError is kept: it only adds reconnects, never a resend.
    if (name === 'reconnectOnError' && typeof now === 'function') continue;
    // A shorter connect timeout than ours is stricter already.
    if (name === 'connectTimeout' && typeof now === 'number' && now <= (want as number)) continue;
    if (now === want) continue;
    target[name] = want;
    if (!changed.some((c) => c.name === name)) changed.push({ name, from: show(now), to: describe(name) });
  }
}

/**
 * Put `instance` (the app's ioredis Redis or Cluster, from any copy of ioredis) under our settings. Returns what
 * changed, for the notice; empty when it was already set up that way or is not an instance.
 */
export function secureInstance(instance: unknown, config: Pick<ConnectionConfig, 'connectMs'>): ChangedSetting[] {
  const wanted = ioredisDefaults(config) as Record<string, unknown>;
  const describe = (name: string) =>
    name === 'retryStrategy'
      ? 'capped jittered backoff (at most 500 ms)'
      : name === 'reconnectOnError'
        ? 'reconnect on READONLY (failover)'
        : show(wanted[name]);
  const changed: ChangedSetting[] = [];
  if (isClusterInstance(instance)) {
    const cluster = instance as Cluster;
    cluster.options.redisOptions ??= {};
    // ioredis's node pool keeps its own copy of redisOptions (an internal): the node connections it makes from now
    // on. `options.redisOptions` is what duplicate() copies. The connections already made are changed one by one.
    const pool = (instance as unknown as { connectionPool?: { redisOptions?: object } }).connectionPool;
    const templates = [cluster.options.redisOptions, pool?.redisOptions];
    for (const t of templates) if (t) apply(t as Record<string, unknown>, wanted, CLUSTER_NODE_KEYS, changed, describe);
    for (const node of cluster.nodes('all')) {
      apply(node.options as Record<string, unknown>, wanted, CLUSTER_NODE_KEYS, changed, describe);
    }
    return changed;
  }
  if (isRedisInstance(instance)) {
    apply((instance as Redis).options as Record<string, unknown>, wanted, REDIS_KEYS, changed, describe);
  }
  return changed;
}

/** The notice's text: what changed, and why. */
export function safetyNotice(changed: readonly ChangedSetting[]): string {
  const list = changed.map((c) => `${c.name} ${c.from} -> ${c.to}`).join(', ');
  return (
    `redis-resilience changed settings of the ioredis instance passed to init() (${list}), so that ioredis's own ` +
    'retries and offline queue never multiply ours and a command that may have run is never re-sent. Commands sent ' +
    'on that instance directly follow these settings too.'
  );
}

/** Tell the app once: through its logger when it gave one, otherwise as a process warning (stderr). */
export function reportChanges(logger: Logger | undefined, client: string, changed: readonly ChangedSetting[]): void {
  if (changed.length === 0) return;
  const text = safetyNotice(changed);
  if (logger) safeLog(logger, 'warn', { client, changed }, text);
  else process.emitWarning(text, { code: 'REDIS_RESILIENCE_INSTANCE_SETTINGS' });
}
