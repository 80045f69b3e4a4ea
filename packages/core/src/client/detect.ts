/**
 * What kind of ioredis client a value is, by duck typing rather than `instanceof`: the app's ioredis may be another
 * copy than ours (another version, or a second install), whose classes are not ours. ioredis itself tells the two
 * apart by the same `isCluster` flag (its Pipeline does).
 */
import type { Cluster, Redis } from 'ioredis';

function looksLikeClient(v: unknown): v is { isCluster?: unknown; status: unknown; sendCommand: unknown } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { sendCommand?: unknown }).sendCommand === 'function' &&
    typeof (v as { status?: unknown }).status === 'string'
  );
}

/** An ioredis Cluster, from any copy of ioredis. */
export function isClusterInstance(v: unknown): v is Cluster {
  return looksLikeClient(v) && v.isCluster === true && typeof (v as { nodes?: unknown }).nodes === 'function';
}

/** An ioredis Redis (standalone or Sentinel), from any copy of ioredis. */
export function isRedisInstance(v: unknown): v is Redis {
  return looksLikeClient(v) && v.isCluster !== true && typeof (v as { duplicate?: unknown }).duplicate === 'function';
}
