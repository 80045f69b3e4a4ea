/**
 * Operation names as telemetry sees them: a bounded metric label, a span name and a span kind, resolved once per
 * distinct operation. Anything that is neither a Redis command nor one of our logical operations collapses to
 * `other`, so a caller passing arbitrary strings (or, by mistake, a key) can never grow a label set.
 */
import { exists } from '@ioredis/commands';

/** The label every unknown operation collapses to. */
export const OTHER_OPERATION = 'other';

/** Batches: one Redis round trip, so traced like a command. */
const BATCH_OPERATIONS = ['pipeline', 'multi'] as const;

/** Fallback-level calls: they wrap Redis calls (and maybe a loader), so their spans are INTERNAL. */
export const LOGICAL_OPERATIONS: readonly string[] = [
  'cache.getOrLoad',
  'cache.get',
  'cache.set',
  'cache.invalidate',
  'session.get',
  'session.set',
  'session.touch',
  'session.destroy',
  'session.clear',
  'session.length',
  'session.ids',
  'session.all',
  'queue.publish',
  'queue.replay',
  'pool.withConnection',
];

export interface OperationInfo {
  /** Bounded metric label: lower-case command, `pipeline`, `multi`, a logical name, or `other`. */
  readonly label: string;
  /** `GET`, `PIPELINE`, `cache.getOrLoad`, `OTHER`. */
  readonly spanName: string;
  /** true for commands and batches (CLIENT spans with db attributes); false for logical operations (INTERNAL). */
  readonly redis: boolean;
}

function info(label: string, redis: boolean): OperationInfo {
  return Object.freeze({ label, spanName: redis ? label.toUpperCase() : label, redis });
}

const OTHER = info(OTHER_OPERATION, true);

/**
 * `withFallback(name, …)` calls are `fallback.<name>`: names chosen in code, like routes, so kept; but capped per
 * instance, since nothing stops a name being built from data.
 */
const CUSTOM_FALLBACK = /^fallback\.[A-Za-z0-9_.:-]{1,48}$/;
const MAX_CUSTOM_FALLBACKS = 32;
const OTHER_FALLBACK = info('fallback.other', false);

/** Commands, batches and logical operations: the same for every instance, bounded by the command list. */
const known = new Map<string, OperationInfo>();
for (const name of [...BATCH_OPERATIONS]) known.set(name, info(name, true));
for (const name of LOGICAL_OPERATIONS) known.set(name, info(name, false));

/** Resolve a command, batch or logical operation name; O(1) for the normalized names the executor passes. */
export function operationInfo(operation: string): OperationInfo {
  const hit = known.get(operation);
  if (hit) return hit;
  if (typeof operation !== 'string' || operation.length === 0 || operation.length > 64) return OTHER;
  if (operation.startsWith('fallback.')) return OTHER_FALLBACK;
  const lower = operation.toLowerCase();
  const normalized = known.get(lower);
  if (normalized) return normalized;
  if (!exists(lower)) return OTHER;
  const resolved = info(lower, true);
  // Cache under the lower-case name only; mixed-case spellings are resolved again rather than grow the map.
  known.set(lower, resolved);
  return resolved;
}

/** One instance's operation names: the shared ones, plus its own capped set of custom fallback names. */
export class OperationNames {
  private readonly custom = new Map<string, OperationInfo>();

  resolve(operation: string): OperationInfo {
    const hit = known.get(operation);
    if (hit) return hit;
    if (typeof operation !== 'string' || !operation.startsWith('fallback.')) return operationInfo(operation);
    const mine = this.custom.get(operation);
    if (mine) return mine;
    if (!CUSTOM_FALLBACK.test(operation) || this.custom.size >= MAX_CUSTOM_FALLBACKS) return OTHER_FALLBACK;
    const custom = info(operation, false);
    this.custom.set(operation, custom);
    return custom;
  }
}
